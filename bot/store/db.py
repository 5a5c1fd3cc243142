"""Engines and the unit of work: the one place that opens sessions and commits."""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 15
# An unreachable PostgreSQL must fail fast (the actions then keep the request in the local spool):
# connecting, waiting for a pooled connection and a silent network are each bounded.
PG_CONNECT_TIMEOUT_S = 3
PG_POOL_TIMEOUT_S = 3
PG_STATEMENT_TIMEOUT_S = 15  # generous: staff exports and purges run through the same engine
PG_NETWORK_TIMEOUT_S = 10  # unacknowledged sends / dead peers (TCP_USER_TIMEOUT, keepalives)


def sqlite_pragmas(dbapi_connection, *, synchronous: str = "FULL") -> None:
    """Concurrent-safe SQLite: WAL, enforced foreign keys, a busy timeout. `synchronous=FULL` (the
    appointment store) syncs every commit to disk; the tracker store chooses NORMAL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin: otherwise a SAVEPOINT opens the
    # transaction itself and releasing it commits, so a later rollback would leave half a unit of work.
    dbapi_connection.isolation_level = None
    sqlite_pragmas(dbapi_connection)


def _sqlite_begin(connection) -> None:
    # Take the write lock up front: two writers never deadlock upgrading from a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, statement_timeout_s: int | None = PG_STATEMENT_TIMEOUT_S) -> Engine:
    """An engine for the appointment store (SQLite file or PostgreSQL).

    `statement_timeout_s=None` lifts PostgreSQL's statement limit (long migrations).
    """
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,  # error messages never carry patients' details into logs
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        future=True,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=PG_POOL_TIMEOUT_S,
        connect_args=postgres_connect_args(statement_timeout_s),
    )


def postgres_connect_args(statement_timeout_s: int | None = PG_STATEMENT_TIMEOUT_S) -> dict[str, object]:
    """libpq options: bounded connect, server-side statement limit, and dead-peer detection."""
    args: dict[str, object] = {
        "connect_timeout": PG_CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": PG_NETWORK_TIMEOUT_S * 1000,
    }
    if statement_timeout_s:
        args["options"] = f"-c statement_timeout={statement_timeout_s * 1000}"
    return args


class UnitOfWork:
    """Owns a session factory; `with uow() as session:` commits on success, rolls back on error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session


def describe_error(error: BaseException) -> str:
    """What failed and where, without the message: a database's message can quote a patient's row
    (PostgreSQL's "Failing row contains …"), and logs must not."""
    orig = getattr(error, "orig", None)
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlite_errorname", None)
    text = type(error).__name__ + (f" ({code})" if code else "")
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if frames:
        text += f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}"
    return text


def _as_admin(server_url: str, statement: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def create_database(server_url: str, prefix: str) -> str:
    """A new, empty database named `prefix_<random>` on the PostgreSQL server of `server_url`; its URL.

    For the tests and the bench, which must never touch a database they did not create.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _as_admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    """Drop the database of `url` (made by `create_database`), connected through `server_url`."""
    _as_admin(server_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
