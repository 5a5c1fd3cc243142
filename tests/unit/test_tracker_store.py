"""The tracker store fails a turn while its database is away, instead of Rasa's silent fresh start."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.rasa.tracker_store import FailFastSQLTrackerStore, bounded_url


def test_postgresql_connections_are_bounded_and_own_choices_kept() -> None:
    url = make_url(bounded_url("postgresql://rasa:pw@db:5432/tracker?connect_timeout=9"))
    assert url.query["connect_timeout"] == "9"  # the operator's own value stays
    assert url.query["options"] == "-c statement_timeout=15000"
    assert url.query["tcp_user_timeout"] == "10000" and url.password == "pw"
    assert bounded_url("sqlite:////var/tracker.db") == "sqlite:////var/tracker.db"


async def test_a_database_error_fails_the_turn_instead_of_starting_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.rasa import patches

    patches.apply()  # as python -m bot.rasa does before any Rasa server starts
    store = FailFastSQLTrackerStore(Domain.empty(), dialect="sqlite", host=f"sqlite:///{tmp_path / 't.db'}")
    assert store.engine.pool._pre_ping  # connections broken by an outage are replaced, not used
    wrapped = FailSafeTrackerStore(store)  # as Rasa's agent wraps every tracker store
    assert await wrapped.retrieve("visitor") is None  # no conversation yet: a real answer, not an error

    async def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, ConnectionResetError("reset"))

    monkeypatch.setattr(store, "retrieve", down)
    monkeypatch.setattr(store, "save", down)
    with pytest.raises(OperationalError):
        await wrapped.retrieve("visitor")
    tracker = await FailSafeTrackerStore(
        FailFastSQLTrackerStore(Domain.empty(), host="sqlite://")
    ).create_tracker("other")
    with pytest.raises(OperationalError):
        await wrapped.save(tracker)
    assert await wrapped.fallback_tracker_store.retrieve("visitor") is None  # nothing went to memory instead


async def test_a_sqlite_file_is_opened_once_not_on_every_turn(tmp_path: Path) -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from sqlalchemy import event

    store = FailFastSQLTrackerStore(Domain.empty(), dialect="sqlite", host=f"sqlite:///{tmp_path / 't.db'}")
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, record: opened.append(connection))
    tracker = await store.get_or_create_tracker("visitor")
    for turn in range(3):
        tracker = await store.retrieve("visitor") or tracker
        tracker.update(UserUttered(f"question {turn}"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
    assert len(opened) == 1
    stored = await FailFastSQLTrackerStore(
        Domain.empty(), dialect="sqlite", host=f"sqlite:///{tmp_path / 't.db'}"
    ).retrieve("visitor")
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == [
        "question 0",
        "question 1",
        "question 2",
    ]


def test_action_answers_are_still_checked_with_a_validator_built_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    from bot.rasa import patches

    patches.apply()

    def rebuilt(*args: object, **kwargs: object) -> None:
        raise AssertionError("jsonschema.validate re-checks the schema on every call (~40 ms)")

    monkeypatch.setattr(jsonschema, "validate", rebuilt)
    action = RemoteAction("action_submit_request", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list", "responses": []})


async def test_reads_and_writes_what_rasas_own_sql_store_does(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import text

    def session(start: float, said: str) -> list:
        return [
            ActionExecuted("action_session_start", timestamp=start),
            SessionStarted(timestamp=start),
            ActionExecuted("action_listen", timestamp=start),
            UserUttered(said, intent={"name": "greet", "confidence": 0.9}, timestamp=start + 1),
            ActionExecuted("utter_greet", policy="RulePolicy", confidence=1.0, timestamp=start + 2),
            BotUttered("Hello!", timestamp=start + 2),
            ActionExecuted("action_listen", timestamp=start + 3),
        ]

    domain = Domain.empty()
    stores = {
        "ours": FailFastSQLTrackerStore(domain, dialect="sqlite", host=f"sqlite:///{tmp_path / 'ours.db'}"),
        "rasa": SQLTrackerStore(domain, dialect="sqlite", host=f"sqlite:///{tmp_path / 'rasa.db'}"),
    }
    for store in stores.values():
        first = DialogueStateTracker.from_events("visitor", session(100.0, "first"))
        await store.save(first)
        later = await store.retrieve("visitor")
        for event in session(200.0, "second")[:4]:  # a new session, saved midway, as turns are
            later.update(event)
        await store.save(later)
        latest = await store.retrieve("visitor")
        for event in session(200.0, "second")[4:]:
            latest.update(event)
        await store.save(latest)
    rows = {
        name: store.engine.connect().execute(text("SELECT * FROM events ORDER BY id")).all()
        for name, store in stores.items()
    }
    assert len(rows["ours"]) == 14 and rows["ours"] == rows["rasa"]  # ids, columns and JSON alike
    for reader in stores.values():  # each store reads what the other wrote, as Rasa reads it
        for written in stores.values():
            reader.engine, reader.sessionmaker = written.engine, written.sessionmaker
            latest = await reader.retrieve("visitor")
            full = await reader.retrieve_full_tracker("visitor")
            assert [e.as_dict() for e in full.events] == [e.as_dict() for e in session(100.0, "first")] + [
                e.as_dict() for e in session(200.0, "second")
            ]
            assert [e.as_dict() for e in latest.events] == [e.as_dict() for e in full.events][7:]
    assert await stores["ours"].retrieve("nobody") is None


def test_a_sqlite_file_commits_without_an_fsync_each_turn(tmp_path: Path) -> None:
    from sqlalchemy import text

    store = FailFastSQLTrackerStore(Domain.empty(), dialect="sqlite", host=f"sqlite:///{tmp_path / 't.db'}")
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: synced at checkpoints
