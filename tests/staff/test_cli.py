"""`python -m bot.staff`: each command, its tables and its refusals, on a real (SQLite) store."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.bench.servers import free_port
from bot.settings import ROOT, get_settings
from bot.staff.cli import main
from bot.staff.passwords import verify_password
from bot.store.channel_languages import pin_language
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.outbox import enqueue
from bot.store.requests import NewRequest, create_request, get_request, status_history
from bot.store.schema import (
    AccessEvent,
    AppointmentRequest,
    ChannelLanguage,
    LoginFailure,
    OutboxMessage,
    StaffUser,
    StatusChange,
)
from bot.store.staff import api_key_is_valid, get_user, record_access
from tests.conftest import FOR_SOMEONE_ELSE


@pytest.fixture
def uow() -> UnitOfWork:
    url = get_settings().database_url
    upgrade(url)
    return UnitOfWork(make_engine(url))


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def add_request(uow: UnitOfWork, name: str = "Jane Smith", **fields: object) -> str:
    with uow() as session:
        request, _ = create_request(
            session,
            NewRequest(full_name=name, phone=fields.pop("phone", "+12125550199"), **fields),  # type: ignore[arg-type]
        )
        return request.reference


def test_user_add_stores_only_a_slow_salted_hash(uow: UnitOfWork) -> None:
    code, out = run("user", "add", "Alice", "--password-stdin", stdin="correct horse battery\n")
    assert code == 0 and "alice" in out
    with uow() as session:
        user = get_user(session, "alice")
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
        assert verify_password(user.password_hash, "correct horse battery")
        assert not verify_password(user.password_hash, "wrong password!")


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("user", "add", "bob", "--password-stdin"), "short\n", "at least 10 characters"),
        (("user", "add", "b@d name", "--password-stdin"), "long enough password\n", "username"),
        (("user", "disable", "nobody"), "", "no user 'nobody'"),
        (("show", "PRL-7KQ3MX"), "", "no request with reference PRL-7KQ3MX"),
        (("api-key", "revoke", "nothing"), "", "no active API key"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_1(
    uow: UnitOfWork, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], stdin: str, message: str
) -> None:
    code, _ = run(*argv, stdin=stdin)
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("set-status", "PRL-7KQ3MX", "archived"),
        ("list", "--from", "12/03/2026"),
        ("purge", "--older-than", "ten"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(*argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_duplicate_user_is_refused(uow: UnitOfWork) -> None:
    assert run("user", "add", "alice", "--password-stdin", stdin="long enough password\n")[0] == 0
    assert run("user", "add", "ALICE", "--password-stdin", stdin="another long password\n")[0] == 1
    with uow() as session:
        assert session.execute(select(func.count()).select_from(StaffUser)).scalar_one() == 1


def test_disabling_a_user_ends_their_sessions(uow: UnitOfWork) -> None:
    run("user", "add", "alice", "--password-stdin", stdin="long enough password\n")
    assert run("user", "disable", "alice")[0] == 0
    with uow() as session:
        user = get_user(session, "alice")
        assert user.disabled and user.session_epoch == 1


def test_list_and_show_read_well(uow: UnitOfWork) -> None:
    reference = add_request(uow, "Jane Smith", reason="sciatica")
    add_request(uow, "Sam Lee", kind="callback")
    code, out = run("list")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "REFERENCE",
        "STATUS",
        "KIND",
        "NAME",
        "CONTACT",
        "DATE",
        "TIME",
        "CREATED",
        "(UTC)",
        "LANGUAGE",
    ]
    assert out.index("Sam Lee") < out.index("Jane Smith")  # newest first
    assert "2 of 2 request(s)" in out
    code, out = run("list", "--search", "jane")
    assert "Sam Lee" not in out and reference in out
    code, out = run("show", reference.lower())
    assert code == 0 and "Reason:" in out and "sciatica" in out and "- -> new" in out


def test_show_gives_the_patient_the_words_and_the_extension(uow: UnitOfWork) -> None:
    reference = add_request(
        uow,
        "Ana Lopez",
        **FOR_SOMEONE_ELSE,
    )
    code, out = run("show", reference)
    assert code == 0
    for line in (
        "Patient:        Rosa (mother)",
        "+12125550199 ext. 7",
        "Their words:    sciatica down my left leg",
    ):
        assert line in out
    code, out = run("export")
    header = out.splitlines()[0].split(",")
    assert {"patient_name", "patient_relation", "phone_extension", "reason_text"} <= set(header)


def test_set_status_follows_the_allowed_moves(uow: UnitOfWork, capsys: pytest.CaptureFixture[str]) -> None:
    reference = add_request(uow)
    assert run("set-status", reference, "contacted", "--note", "left a voicemail")[0] == 0
    assert run("set-status", reference, "declined")[0] == 0
    assert run("set-status", reference, "scheduled")[0] == 1
    assert "cannot become 'scheduled'" in capsys.readouterr().err
    with uow() as session:
        request = get_request(session, reference)
        assert request.status == "declined"
        moves = [(c.from_status, c.to_status, c.actor, c.note) for c in status_history(session, request)]
    assert moves[1:] == [
        ("new", "contacted", "staff-cli", "left a voicemail"),
        ("contacted", "declined", "staff-cli", None),
    ]


def test_export_neutralises_spreadsheet_formulas(uow: UnitOfWork, tmp_path: Path) -> None:
    add_request(uow, '=HYPERLINK("http://evil.example")', reason="@SUM(A1)")
    add_request(uow, "Plain Name", reason="-5+3")
    target = tmp_path / "requests.csv"
    code, out = run("export", "--output", str(target))
    assert code == 0 and "Wrote 2 request(s)" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    names = {row["full_name"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example")' in names and "Plain Name" in names
    assert {row["reason"] for row in rows} == {"'@SUM(A1)", "'-5+3"}
    assert all(row["phone"] == "'+12125550199" for row in rows)


def test_export_to_stdout_honours_the_filter(uow: UnitOfWork) -> None:
    add_request(uow, "Jane Smith")
    other = add_request(uow, "Sam Lee")
    run("set-status", other, "contacted")
    code, out = run("export", "--status", "contacted")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [row["full_name"] for row in rows] == ["Sam Lee"]


def test_api_keys_are_shown_once_stored_hashed_and_revocable(uow: UnitOfWork) -> None:
    code, out = run("api-key", "create", "crm")
    key = out.strip().splitlines()[-1]
    assert code == 0 and key.startswith("prk_")
    with uow() as session:
        assert api_key_is_valid(session, key)
        stored = session.execute(text("SELECT key_hash FROM api_keys")).scalar_one()
    assert key not in stored
    assert run("api-key", "revoke", "crm")[0] == 0
    with uow() as session:
        assert not api_key_is_valid(session, key)


def test_purge_removes_old_requests_with_everything_that_holds_patient_data(uow: UnitOfWork) -> None:
    old = add_request(uow, "Old Patient", conversation_id="conv-old")
    recent = add_request(uow, "Recent Patient", conversation_id="conv-new")
    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    with uow() as session:
        request = get_request(session, old)
        request.created_at = long_ago
        record_access(session, "alice", "viewed", request)
        enqueue(session, request, "email", "request.created")
        # A password typed into the name field, and a failed login from today that must stay.
        session.add(LoginFailure(username="Hunter2-typed-as-name", client="203.0.113.9", created_at=long_ago))
        session.add(LoginFailure(username="today", client="203.0.113.9"))
        pin_language(session, "twilio", "+12125550100", "es", long_ago)  # a phone number, personal data
        pin_language(session, "twilio", "+12125550101", "es", datetime.now(timezone.utc))
    tracker = create_engine(get_settings().tracker_database_url)
    with tracker.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                "timestamp REAL, data TEXT)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                "('conv-old', 'user', :old, 'x'), ('conv-old', 'bot', :old, 'y'), "
                "('conv-new', 'user', :now, 'z')"
            ),
            {"old": long_ago.timestamp(), "now": time.time()},
        )

    code, out = run("purge", "--older-than", "365", stdin="n\n")
    assert code == 0 and out.endswith("[y/N] Nothing deleted.\n")
    assert (
        "1 request(s), 1 access event(s), 1 notification(s), 1 failed login(s) or ended staff session(s); "
        "1 whole conversation(s), 2 conversation event(s)" in out
    )
    code, out = run("purge", "--older-than", "365", "--yes")
    assert code == 0 and out.startswith("Purging (recorded): cutoff ") and out.endswith("Purge done.\n")
    with uow() as session:
        assert get_request(session, old) is None and get_request(session, recent) is not None
        assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(StatusChange)).scalar_one() == 1
        assert session.execute(select(AccessEvent.action)).scalars().all() == ["purge"]
        assert session.execute(select(func.count()).select_from(AppointmentRequest)).scalar_one() == 1
        assert session.execute(select(LoginFailure.username)).scalars().all() == ["today"]
        assert session.execute(select(ChannelLanguage.sender)).scalars().all() == ["+12125550101"]
    with tracker.connect() as connection:
        assert connection.execute(text("SELECT sender_id FROM events")).scalars().all() == ["conv-new"]
    tracker.dispose()


def test_purge_refuses_when_the_tracker_database_is_down(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = add_request(uow, "Old Patient")
    with uow() as session:
        get_request(session, old).created_at = datetime.now(timezone.utc) - timedelta(days=400)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{free_port()}/tracker")
    get_settings.cache_clear()
    assert run("purge", "--older-than", "365", "--yes")[0] == 1
    err = capsys.readouterr().err
    assert "the tracker database (TRACKER_DATABASE_URL" in err and "nothing was deleted" in err
    with uow() as session:
        assert get_request(session, old) is not None
        assert session.execute(select(func.count()).select_from(AccessEvent)).scalar_one() == 0


def test_help_for_every_command() -> None:
    for command in (
        ["user", "add"],
        ["user", "disable"],
        ["api-key", "create"],
        ["list"],
        ["show"],
        ["set-status"],
        ["export"],
        ["purge"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "bot.staff", *command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and "usage: python -m bot.staff" in result.stdout
