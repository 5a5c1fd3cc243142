"""`python -m bot.staff purge` against the real stack: planted patient data of every kind, aged in the
databases, is found nowhere afterwards (any table or text column, the SQLite files' raw bytes, the
spool, the logs), recent records stay, and a tracker database that is down deletes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text, update

from bot.bench.servers import free_port
from bot.settings import ROOT
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.outbox import enqueue
from bot.store.requests import NewRequest, get_request
from bot.store.schema import AccessEvent, AppointmentRequest, OutboxMessage
from bot.store.spool import Spool, SpooledRequest
from bot.store.staff import record_access
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import converse

pytestmark = pytest.mark.e2e

OLD = {
    "booked name": "Zebulon Quartzfield",
    "booked phone": "718 555 0142",
    "abandoned name": "Xanthe Vorobyova",
    "abandoned phone": "347 555 0166",
    "looked-up phone": "646 555 0173",
    "search text": "Quillonsearch",
    "spooled name": "Spoolina Oldfile",
}
RECENT_NAME = "Recentia Keepwell"


def book(stack: Stack, sender: str, name: str, phone: str) -> str:
    day = next_open_day()
    turns = ["I'd like to book an appointment", name, phone, "skip", f"{day:%B} {day.day}", "morning"]
    converse(stack, sender, *turns, "sciatica", "yes")
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code, "the booking got no reference code"
    return code


def purge(stack: Stack, spool_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", "purge", "--older-than", "30", "--yes"],
        cwd=ROOT,
        env={**stack.env, "SPOOL_DIR": str(spool_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def found_in_database(url: str, needles: list[str]) -> list[str]:
    engine = create_engine(url)
    hits = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                    cells = " ".join(str(cell) for cell in row)
                    hits += [f"{table}: {n}" for n in needles if n in cells]
    finally:
        engine.dispose()
    return hits


def found_in_files(paths: list[Path], needles: list[str]) -> list[str]:
    hits = []
    for path in paths:
        if path.is_file():
            raw = path.read_bytes()
            hits += [f"{path.name}: {n}" for n in needles if n.encode() in raw]
    return hits


def sqlite_files(url: str) -> list[Path]:
    path = Path(url.split(":///", 1)[1])
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]


def test_purge_leaves_no_old_patient_data_anywhere(
    stack: Stack, stack_store: UnitOfWork, sender: str, tmp_path: Path
) -> None:
    booked, abandoned, lookup, recent = (f"{sender}-{n}" for n in ("booked", "abandoned", "lookup", "recent"))
    code = book(stack, booked, OLD["booked name"], OLD["booked phone"])
    converse(stack, abandoned, "I want to make an appointment", OLD["abandoned name"], OLD["abandoned phone"])
    converse(stack, abandoned, "never mind")
    converse(stack, lookup, f"what's the status of {code}?", OLD["looked-up phone"])
    recent_code = book(stack, recent, RECENT_NAME, "917 555 0188")

    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    with stack_store() as session:
        request = get_request(session, code)
        key = request.idempotency_key
        enqueue(session, request, "email", "request.created")
        record_access(session, "staff:alice", "viewed", request)
        record_access(session, "staff:alice", "exported", None, f"1 request(s); q={OLD['search text']}")
        record_access(session, "staff:alice", "exported", None, "1 request(s); q=Quillonrecent")
        kept = get_request(session, recent_code)
        enqueue(session, kept, "email", "request.created")
        session.flush()
        session.execute(
            update(AppointmentRequest)
            .where(AppointmentRequest.id == request.id)
            .values(created_at=long_ago)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AccessEvent)
            .where(AccessEvent.detail.contains(OLD["search text"]))
            .values(created_at=long_ago)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AccessEvent)
            .where(AccessEvent.request_id == request.id)
            .values(created_at=long_ago)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(OutboxMessage).values(created_at=long_ago).execution_options(synchronize_session=False)
        )
    tracker = create_engine(stack.tracker_database_url)
    with tracker.begin() as connection:
        for conversation in (booked, abandoned, lookup):
            connection.execute(
                text("UPDATE events SET timestamp = timestamp - :age WHERE sender_id = :sender"),
                {"age": timedelta(days=400).total_seconds(), "sender": conversation},
            )
    tracker.dispose()

    spool_dir = tmp_path / "spool"
    spool = Spool(spool_dir)
    stored_copy = NewRequest(full_name=OLD["booked name"], phone="+17185550142", idempotency_key=key)
    spool.put(SpooledRequest(reference=code, request=stored_copy))  # left behind by a crash after storing
    stale = spool_dir / "req-0123.json.unreadable-abcd"
    stale.write_text(f'{{"full_name": "{OLD["spooled name"]}"')
    os.utime(stale, (time.time() - 400 * 86400,) * 2)
    waiting = spool.put(
        SpooledRequest(
            reference="PRL-WAITNG", request=NewRequest(full_name="Pending Person", phone="+12125550100")
        )
    )

    needles = [*OLD.values(), "+17185550142", "+16465550173"]
    before = found_in_database(stack.database_url, needles) + found_in_database(
        stack.tracker_database_url, needles
    )
    assert before, "nothing was planted"

    done = purge(stack, spool_dir)
    assert done.returncode == 0, done.stderr
    assert "Purging (recorded): cutoff" in done.stdout and "1 request(s)" in done.stdout

    assert found_in_database(stack.database_url, needles) == []
    assert found_in_database(stack.tracker_database_url, needles) == []
    files = sqlite_files(stack.database_url) + sqlite_files(stack.tracker_database_url)
    assert found_in_files(files, needles) == []
    assert found_in_files(list(spool_dir.iterdir()), needles) == []
    assert found_in_files([stack.log], needles) == [], "the logs hold planted values"
    assert not [n for n in needles if n in done.stdout + done.stderr]

    with stack_store() as session:
        assert get_request(session, code) is None
        assert get_request(session, recent_code) is not None
        details = session.execute(select(AccessEvent.action, AccessEvent.detail)).all()
        assert ("exported", "1 request(s)") in details  # the recent export, without its search text
        assert any(action == "purge" and "1 request(s)" in detail for action, detail in details)
    assert spool.find(waiting.key) is not None  # not yet stored, not old: the drain still needs it
    assert recent_code in " ".join(converse(stack, recent, f"what's the status of {recent_code}?"))
    assert found_in_database(stack.tracker_database_url, [RECENT_NAME])  # the recent conversation stays


def test_purge_with_the_tracker_database_down_deletes_nothing(
    stack: Stack, stack_store: UnitOfWork, tmp_path: Path
) -> None:
    with stack_store() as session:
        before = session.execute(select(AppointmentRequest.id)).scalars().all()
        events = session.execute(select(AccessEvent.id)).scalars().all()
        session.execute(
            update(AppointmentRequest)
            .values(created_at=datetime.now(timezone.utc) - timedelta(days=400))
            .execution_options(synchronize_session=False)
        )
    try:
        down = purge(
            stack, tmp_path / "spool", TRACKER_DATABASE_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/t"
        )
        assert down.returncode == 1
        assert (
            "the tracker database (TRACKER_DATABASE_URL" in down.stderr
            and "nothing was deleted" in down.stderr
        )
        with stack_store() as session:
            assert session.execute(select(AppointmentRequest.id)).scalars().all() == before
            assert session.execute(select(AccessEvent.id)).scalars().all() == events
    finally:
        with stack_store() as session:
            session.execute(
                update(AppointmentRequest)
                .values(created_at=datetime.now(timezone.utc))
                .execution_options(synchronize_session=False)
            )
