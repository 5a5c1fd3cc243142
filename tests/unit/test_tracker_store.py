"""The tracker store fails a turn while its database is away, instead of Rasa's silent fresh start."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.tracker_store import FailFastSQLTrackerStore, bounded_url


def test_postgresql_connections_are_bounded_and_own_choices_kept() -> None:
    url = make_url(bounded_url("postgresql://rasa:pw@db:5432/tracker?connect_timeout=9"))
    assert url.query["connect_timeout"] == "9"  # the operator's own value stays
    assert url.query["options"] == "-c statement_timeout=15000"
    assert url.query["tcp_user_timeout"] == "10000" and url.password == "pw"
    assert bounded_url("sqlite:////var/tracker.db") == "sqlite:////var/tracker.db"


async def test_a_database_error_fails_the_turn_instead_of_starting_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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

    from bot import rasa_patches

    rasa_patches.apply()

    def rebuilt(*args: object, **kwargs: object) -> None:
        raise AssertionError("jsonschema.validate re-checks the schema on every call (~40 ms)")

    monkeypatch.setattr(jsonschema, "validate", rebuilt)
    action = RemoteAction("action_submit_request", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list", "responses": []})
