"""Alembic migrations, the SQLite engine settings and the database-level cascade, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.store.db import SQLITE_BUSY_TIMEOUT_S, UnitOfWork, create_database, drop_database, make_engine
from bot.store.migrate import alembic_config, downgrade, upgrade
from bot.store.requests import NewRequest, change_status, create_request
from bot.store.schema import AppointmentRequest, Base, StatusChange

TABLES = {"appointment_requests", "status_changes"}
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables: an empty SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        path = tmp_path / "empty.db"
        path.touch()  # a zero-byte file is an empty SQLite database
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_url")
    url = create_database(server, "bot_migrate")
    try:
        yield url
    finally:
        drop_database(server, url)


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_downgrade_upgrade(empty_url: str, engine: Engine) -> None:
    assert tables(engine) == set()

    upgrade(empty_url)
    assert tables(engine) >= TABLES
    assert revision(engine) == HEAD

    downgrade(empty_url, "base")
    assert tables(engine) & TABLES == set()
    assert revision(engine) is None

    upgrade(empty_url)
    assert tables(engine) >= TABLES
    assert revision(engine) == HEAD


def test_upgrade_is_idempotent(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert tables(engine) >= TABLES
    assert revision(engine) == HEAD


def test_migrated_schema_has_the_indexes_and_the_cascading_key(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    inspector = inspect(engine)
    request_indexes = {
        index["name"]: index["column_names"] for index in inspector.get_indexes("appointment_requests")
    }
    assert request_indexes["ix_requests_status_created"] == ["status", "created_at"]
    assert request_indexes["ix_requests_conversation"] == ["conversation_id"]
    change_indexes = {
        index["name"]: index["column_names"] for index in inspector.get_indexes("status_changes")
    }
    assert change_indexes["ix_status_changes_request_id"] == ["request_id"]
    (foreign_key,) = inspector.get_foreign_keys("status_changes")
    assert foreign_key["referred_table"] == "appointment_requests"
    assert foreign_key["constrained_columns"] == ["request_id"]
    assert foreign_key["options"].get("ondelete", "").upper() == "CASCADE"


def test_0007_keeps_the_requests_of_a_0006_database(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url, "0006")
    created = "2031-05-01 14:30:05+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO appointment_requests (reference, kind, full_name, phone, reason, status, "
                "created_at, updated_at) VALUES ('PRL-AAAAAA', 'appointment', 'Ada Lovelace', "
                "'+16465550123', 'sciatica', 'new', :at, :at)"
            ),
            {"at": created},
        )
    upgrade(empty_url)
    assert revision(engine) == HEAD
    with UnitOfWork(engine)() as session:
        row = session.execute(select(AppointmentRequest)).scalar_one()
        assert (row.reference, row.full_name, row.phone, row.reason) == (
            "PRL-AAAAAA",
            "Ada Lovelace",
            "+16465550123",
            "sciatica",
        )
        assert (row.reason_text, row.patient_name, row.patient_relation, row.phone_extension) == (None,) * 4
        row.patient_name, row.patient_relation = "Rosa", "mother"
    downgrade(empty_url, "0006")
    assert "patient_name" not in {c["name"] for c in inspect(engine).get_columns("appointment_requests")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT reference FROM appointment_requests")).scalars().all() == [
            "PRL-AAAAAA"
        ]


def test_0009_gives_the_requests_of_a_0008_database_english(empty_url: str, engine: Engine) -> None:
    """Every request stored before 0009 came from the English-only assistant."""
    upgrade(empty_url, "0008")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO appointment_requests (reference, kind, full_name, phone, status, created_at, "
                "updated_at) VALUES ('PRL-AAAAAA', 'appointment', 'Ada Lovelace', '+16465550123', 'new', "
                ":at, :at)"
            ),
            {"at": "2031-05-01 14:30:05+00:00"},
        )
    upgrade(empty_url)
    assert revision(engine) == HEAD
    language = next(c for c in inspect(engine).get_columns("appointment_requests") if c["name"] == "language")
    assert language["nullable"] is False
    with UnitOfWork(engine)() as session:
        assert session.execute(select(AppointmentRequest.language)).scalar_one() == "en"
        create_request(session, NewRequest(full_name="Ana López", phone="+16465550124", language="es"))
    downgrade(empty_url, "0008")
    assert "language" not in {c["name"] for c in inspect(engine).get_columns("appointment_requests")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM appointment_requests")).scalar_one() == 2
    upgrade(empty_url)  # back up again: the rows read "en", the Spanish one included (it was dropped)
    with engine.connect() as connection:
        languages = connection.execute(text("SELECT DISTINCT language FROM appointment_requests")).scalars()
        assert languages.all() == ["en"]


def test_migrations_match_the_models(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_sqlite_engine_is_durable_and_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'store.db'}")
    try:
        with engine.connect() as connection:

            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert str(pragma("journal_mode")).lower() == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            busy_timeout = pragma("busy_timeout")
            assert isinstance(busy_timeout, int) and busy_timeout > 0
            assert busy_timeout == SQLITE_BUSY_TIMEOUT_S * 1000
        assert (tmp_path / "nested" / "store.db").exists()
    finally:
        engine.dispose()


def test_deleting_a_request_cascades_to_its_status_changes(uow: UnitOfWork) -> None:
    with uow() as session:
        kept, _ = create_request(session, NewRequest(full_name="Kept", phone="+15550100001"))
        gone, _ = create_request(session, NewRequest(full_name="Gone", phone="+15550100002"))
        change_status(session, gone.reference, "contacted", actor="staff:alice")
        kept_id, gone_id = kept.id, gone.id

    def changes_of(request_id: int) -> int:
        with uow() as session:
            return session.execute(
                select(func.count()).select_from(StatusChange).where(StatusChange.request_id == request_id)
            ).scalar_one()

    assert (changes_of(kept_id), changes_of(gone_id)) == (1, 2)
    # A plain SQL DELETE, so the database (not the ORM relationship) has to do the cascade.
    with uow() as session:
        session.connection().execute(
            AppointmentRequest.__table__.delete().where(AppointmentRequest.__table__.c.id == gone_id)
        )
    assert (changes_of(kept_id), changes_of(gone_id)) == (1, 0)


def test_status_change_needs_an_existing_request(uow: UnitOfWork) -> None:
    with pytest.raises(IntegrityError), uow() as session:
        session.connection().execute(
            StatusChange.__table__.insert().values(
                request_id=987654, from_status=None, to_status="new", actor="visitor", created_at=func.now()
            )
        )
    with uow() as session:
        assert session.execute(select(func.count()).select_from(StatusChange)).scalar_one() == 0
