"""The local spool of requests (durable files) and its drain into the store: exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import warnings
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import bot.rasa.action_server
import bot.store.spool
from bot.launcher import action_server_command
from bot.request_service import drain, is_outage
from bot.settings import ROOT, VAR_DIR, get_settings, load_settings
from bot.store.db import UnitOfWork
from bot.store.requests import NewRequest, create_request
from bot.store.schema import AppointmentRequest, OutboxMessage, StatusChange
from bot.store.spool import CorruptEntry, Spool, SpooledRequest, decode, encode, file_name
from tests.conftest import TEST_ENV

SENT_AT = datetime(2026, 11, 25, 15, 0, 7, tzinfo=timezone.utc)


def request(key: str = "visitor-1@1500.0", **overrides: Any) -> NewRequest:
    fields: dict[str, Any] = {
        "kind": "appointment",
        "full_name": "Jane Smith",
        "phone": "+12125550199",
        "email": "jane@example.org",
        "preferred_date": date(2026, 12, 2),
        "preferred_time": "morning",
        "reason": "sciatica",
        "consent_at": datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc),
        "channel": "rest",
        "conversation_id": key.split("@")[0],
        "idempotency_key": key,
        "transcript": [{"from": "visitor", "text": "Jane Smith", "at": 1400.0}],
        "created_at": SENT_AT,
        **overrides,
    }
    return NewRequest(**fields)


def spooled(reference: str = "PRL-7KQ3MX", key: str = "visitor-1@1500.0", **overrides: Any) -> SpooledRequest:
    return SpooledRequest(reference, request(key, **overrides))


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "outbox" / "requests")


def files(spool: Spool) -> list[str]:
    return sorted(p.name for p in spool.directory.iterdir()) if spool.directory.exists() else []


# --- the spool files --------------------------------------------------------------------------------


def test_an_entry_round_trips_every_field(spool: Spool) -> None:
    entry = spooled()
    assert spool.put(entry) == entry
    assert spool.find("visitor-1@1500.0") == entry
    [(path, listed)] = list(spool.entries())
    assert listed == entry and path.name == file_name("visitor-1@1500.0")
    assert json.loads(path.read_text())["reference"] == "PRL-7KQ3MX"
    assert spool.find("visitor-1@9999.0") is None


def test_writing_is_fsynced_and_atomic(spool: Spool, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(bot.store.spool.os, "fsync", recording_fsync)
    spool.put(spooled())
    # The data first (in a temp file), then the directory that now names it.
    assert len(synced) == 2
    assert Path(synced[0]).parent == spool.directory and Path(synced[0]).name.startswith(".tmp-")
    assert synced[1] == str(spool.directory)
    assert files(spool) == [file_name("visitor-1@1500.0")]  # no temp file left behind
    assert spool.path_for("visitor-1@1500.0").stat().st_mode & 0o077 == 0  # patients' details: owner only


def test_a_failed_write_leaves_nothing_half_written(spool: Spool, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bot.store.spool.os, "fsync", full_disk)
    with pytest.raises(OSError):
        spool.put(spooled())
    assert files(spool) == []
    assert spool.find("visitor-1@1500.0") is None


def test_the_same_key_twice_keeps_the_first_entry(spool: Spool) -> None:
    first = spool.put(spooled("PRL-7KQ3MX"))
    again = spool.put(spooled("PRL-AAAAAA", full_name="Someone Else"))
    assert again == first and again.reference == "PRL-7KQ3MX"
    assert len(files(spool)) == 1
    other = spool.put(spooled("PRL-BBBBBB", key="visitor-1@1900.0"))
    assert other.reference == "PRL-BBBBBB" and len(spool) == 2


def test_a_corrupt_file_is_skipped_with_a_warning_and_kept(
    spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    spool.put(spooled())
    broken = spool.directory / "req-broken.json"
    broken.write_text('{"format": 1, "reference": "PRL-')
    with caplog.at_level(logging.WARNING, logger="bot.store.spool"):
        listed = [entry.reference for _, entry in spool.entries()]
    assert listed == ["PRL-7KQ3MX"]
    assert "req-broken.json" in caplog.text and "kept" in caplog.text
    assert broken.exists()


def test_a_corrupt_file_never_stands_in_for_a_new_entry(spool: Spool) -> None:
    path = spool.path_for("visitor-1@1500.0")
    path.parent.mkdir(parents=True)
    path.write_text("not json")
    assert spool.put(spooled()).reference == "PRL-7KQ3MX"
    assert spool.find("visitor-1@1500.0") == spooled()
    assert any(".unreadable-" in name for name in files(spool))  # the bad file is kept, renamed


@pytest.mark.parametrize(
    "raw",
    [b"", b"[]", b'{"format": 2, "reference": "PRL-7KQ3MX", "request": {}}', b'{"reference": 1}'],
)
def test_decoding_rejects_what_is_not_an_entry(raw: bytes) -> None:
    with pytest.raises(CorruptEntry):
        decode(raw)


def test_decoding_rejects_unknown_fields() -> None:
    document = json.loads(encode(spooled()))
    document["request"]["surprise"] = 1
    with pytest.raises(CorruptEntry):
        decode(json.dumps(document).encode())


def test_removing_forgets_the_entry_once(spool: Spool) -> None:
    spool.put(spooled())
    [(path, _)] = list(spool.entries())
    spool.remove(path)
    spool.remove(path)  # a second worker draining the same entry is harmless
    assert spool.find("visitor-1@1500.0") is None and files(spool) == []


def test_the_setting_defaults_to_var_and_reads_relative_paths_from_the_root() -> None:
    assert load_settings(TEST_ENV).spool_dir == VAR_DIR / "outbox" / "requests"
    assert load_settings({**TEST_ENV, "SPOOL_DIR": "spool/x"}).spool_dir == ROOT / "spool/x"
    assert load_settings({**TEST_ENV, "SPOOL_DIR": "/srv/spool"}).spool_dir == Path("/srv/spool")


def test_the_new_name_is_read_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_settings({**TEST_ENV, "SPOOL_DIR": "/srv/spool"}).spool_dir == Path("/srv/spool")


def test_the_old_name_still_works_and_warns_naming_the_new_one() -> None:
    with pytest.warns(FutureWarning, match="SPOOL_DIR") as caught:
        settings = load_settings({**TEST_ENV, "LOCAL_OUTBOX_DIR": "/srv/old"})
    assert settings.spool_dir == Path("/srv/old")
    assert len(caught) == 1 and "LOCAL_OUTBOX_DIR" in str(caught[0].message)


def test_the_new_name_wins_when_both_are_set() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        settings = load_settings({**TEST_ENV, "SPOOL_DIR": "/srv/new", "LOCAL_OUTBOX_DIR": "/srv/old"})
    assert settings.spool_dir == Path("/srv/new")


# --- the drain ----------------------------------------------------------------------------------------


def count(uow: UnitOfWork, model: type) -> int:
    with uow() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def with_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://integrator.example/hook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "s3cret")
    get_settings.cache_clear()


def test_the_drain_stores_each_request_once_with_its_code_and_time(
    spool: Spool, sqlite_uow: UnitOfWork, with_webhook: None
) -> None:
    spool.put(spooled("PRL-7KQ3MX"))
    spool.put(spooled("PRL-BBBBBB", key="visitor-2@1500.0", kind="callback", email=None))
    result = drain(spool, sqlite_uow, get_settings())
    assert (result.stored, result.already, result.left) == (2, 0, 0)
    assert files(spool) == []
    with sqlite_uow() as session:
        rows = {r.reference: r for r in session.execute(select(AppointmentRequest)).scalars()}
        assert set(rows) == {"PRL-7KQ3MX", "PRL-BBBBBB"}
        first = rows["PRL-7KQ3MX"]
        assert first.idempotency_key == "visitor-1@1500.0" and first.created_at == SENT_AT
        assert (first.full_name, first.preferred_date, first.channel) == (
            "Jane Smith",
            date(2026, 12, 2),
            "rest",
        )
        assert first.transcript == [{"from": "visitor", "text": "Jane Smith", "at": 1400.0}]
        assert rows["PRL-BBBBBB"].kind == "callback"
    assert count(sqlite_uow, StatusChange) == 2
    assert count(sqlite_uow, OutboxMessage) == 2  # one webhook delivery per new request

    assert drain(spool, sqlite_uow, get_settings()).stored == 0  # nothing twice
    assert count(sqlite_uow, AppointmentRequest) == 2


def test_a_crash_between_insert_and_unlink_replays_without_a_duplicate(
    spool: Spool, sqlite_uow: UnitOfWork, with_webhook: None
) -> None:
    spool.put(spooled())

    def crash(path: Path) -> None:
        raise SystemExit("killed after the commit")

    spool.remove = crash  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        drain(spool, sqlite_uow, get_settings())
    del spool.remove  # the process starts again
    assert count(sqlite_uow, AppointmentRequest) == 1 and len(spool) == 1

    result = drain(spool, sqlite_uow, get_settings())
    assert (result.stored, result.already) == (0, 1)
    assert files(spool) == []
    assert count(sqlite_uow, AppointmentRequest) == 1
    assert count(sqlite_uow, StatusChange) == 1
    assert count(sqlite_uow, OutboxMessage) == 1  # the integrator hears of it once


class DownStore:
    """A unit of work whose database does not answer."""

    calls = 0

    def __call__(self) -> Any:
        DownStore.calls += 1
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))


def test_an_outage_leaves_every_entry_for_the_next_pass(spool: Spool, sqlite_uow: UnitOfWork) -> None:
    spool.put(spooled("PRL-7KQ3MX"))
    spool.put(spooled("PRL-BBBBBB", key="visitor-2@1500.0"))
    DownStore.calls = 0
    result = drain(spool, DownStore(), get_settings())  # type: ignore[arg-type]
    assert (result.stored, result.left) == (0, 2)
    assert DownStore.calls == 1  # it stops at the first outage rather than hammering the server
    assert len(spool) == 2
    assert drain(spool, sqlite_uow, get_settings()).stored == 2
    assert len(spool) == 0


def test_a_request_stored_before_the_spool_took_over_is_not_stored_again(
    spool: Spool, sqlite_uow: UnitOfWork
) -> None:
    # The database finished the insert just after the action's time limit: same key, same code.
    with sqlite_uow() as session:
        create_request(session, request(), reference="PRL-7KQ3MX")
    spool.put(spooled("PRL-7KQ3MX"))
    result = drain(spool, sqlite_uow, get_settings())
    assert (result.stored, result.already, result.left) == (0, 1, 0)
    assert count(sqlite_uow, AppointmentRequest) == 1 and len(spool) == 0


def test_a_refused_entry_is_kept_and_the_rest_go_on(spool: Spool, sqlite_uow: UnitOfWork) -> None:
    spool.put(spooled("PRL-7KQ3MX", full_name="  "))  # the store refuses a request without a name
    spool.put(spooled("PRL-BBBBBB", key="visitor-2@1500.0"))
    result = drain(spool, sqlite_uow, get_settings())
    assert (result.stored, result.left) == (1, 1)
    assert [entry.reference for _, entry in spool.entries()] == ["PRL-7KQ3MX"]


def test_a_preset_code_is_used_and_a_taken_one_is_replaced(sqlite_uow: UnitOfWork) -> None:
    with sqlite_uow() as session:
        first, _ = create_request(session, request(), reference="PRL-7KQ3MX")
        second, created = create_request(session, request("visitor-2@1.0"), reference="PRL-7KQ3MX")
        assert first.reference == "PRL-7KQ3MX"
        assert created and second.reference.startswith("PRL-") and second.reference != "PRL-7KQ3MX"


def test_outages_are_told_apart_from_bugs() -> None:
    assert is_outage(OperationalError("select 1", {}, Exception("server closed the connection")))
    assert is_outage(TimeoutError())
    assert is_outage(asyncio.TimeoutError())
    assert not is_outage(RuntimeError("a bug"))
    assert not is_outage(ValueError("bad data"))


# --- the background job in the action server ----------------------------------------------------------


async def test_the_action_server_drains_at_start_and_then_again_despite_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passes: list[float] = []

    def flaky_pass() -> None:
        passes.append(time.monotonic())
        if len(passes) == 1:
            raise RuntimeError("one bad pass")

    monkeypatch.setattr(bot.rasa.action_server, "drain_once", flaky_pass)
    job = asyncio.create_task(bot.rasa.action_server.drain_forever(interval_s=0.05))
    await asyncio.sleep(0.3)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert len(passes) >= 3  # at once, and on after the failure


def test_the_launcher_runs_the_action_server_with_the_drain() -> None:
    command = action_server_command(get_settings())
    assert command[1:3] == ["-m", "bot.rasa.action_server"]
    assert command[-2:] == ["--port", str(get_settings().action_port)]
