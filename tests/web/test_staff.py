"""The staff dashboard through the Starlette test client, on a real (SQLite) store."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.requests import NewRequest, change_status, create_request, get_request, status_history
from bot.store.schema import AccessEvent, LoginFailure, StaffSessionRecord, utcnow
from bot.store.staff import disable_user, get_user, start_session
from bot.web.app import create_app
from bot.web.sessions import COOKIE, IDLE_TIMEOUT, LIFETIME
from tests.web.conftest import PASSWORD


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    app = create_app(
        get_settings(), transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    )
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def proxied_client(app: object, address: str) -> TestClient:
    """A visitor at `address` behind our own proxy (127.0.0.1, in TRUSTED_PROXIES)."""
    return TestClient(
        app,  # type: ignore[arg-type]
        follow_redirects=False,
        client=("127.0.0.1", 40000),
        headers={"X-Forwarded-For": address},
    )


def add(uow: UnitOfWork, name: str = "Jane Smith", **fields: object) -> str:
    with uow() as session:
        request, _ = create_request(session, NewRequest(full_name=name, phone="+12125550199", **fields))  # type: ignore[arg-type]
        return request.reference


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def log_in(client: TestClient, username: str = "alice", password: str = PASSWORD) -> httpx.Response:
    form = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)}
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff"),
        ("GET", "/staff/requests/PRL-7KQ3MX"),
        ("GET", "/staff/export.csv"),
        ("POST", "/staff/requests/PRL-7KQ3MX"),
        ("POST", "/staff/logout"),
    ],
)
def test_every_staff_route_but_login_needs_a_session(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, data={"action": "contacted"})
    assert response.status_code in (303, 401)
    if response.status_code == 303:
        assert response.headers["location"] == "/staff/login"


def test_login_sets_a_strict_http_only_cookie(client: TestClient) -> None:
    response = log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert PASSWORD not in cookie
    assert client.get("/staff").status_code == 200


def test_wrong_passwords_are_refused_and_rate_limited(client: TestClient) -> None:
    statuses = [log_in(client, password=f"wrong password {i}").status_code for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert log_in(client).status_code == 429  # this client waits out its lockout on this account
    assert client.get("/staff").status_code == 303


def test_successes_are_not_counted(client: TestClient) -> None:
    for _ in range(7):
        assert log_in(client).status_code == 303


@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch, uow: UnitOfWork) -> object:
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    return create_app(get_settings(), transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])))


def test_failures_for_a_made_up_user_do_not_lock_a_real_one_out(behind_proxy: object) -> None:
    """The issue's attack: everyone behind the practice's proxy shares one address."""
    office = proxied_client(behind_proxy, "198.51.100.7")
    for i in range(6):
        assert log_in(office, username="nobody", password=f"guess {i}").status_code in (401, 429)
    assert log_in(office, username="nobody", password="guess 7").status_code == 429
    assert log_in(office).status_code == 303  # alice, right password, same address: let in


def test_failures_from_one_client_do_not_lock_the_account_elsewhere(behind_proxy: object) -> None:
    attacker = proxied_client(behind_proxy, "203.0.113.66")
    for i in range(5):
        assert log_in(attacker, password=f"guess {i}").status_code == 401
    assert log_in(attacker).status_code == 429  # alice from the attacker's address: locked
    assert log_in(proxied_client(behind_proxy, "198.51.100.7")).status_code == 303  # alice at work: in


def test_guessing_from_many_clients_slows_the_account_but_the_right_password_gets_in(
    behind_proxy: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("bot.web.staff._slow_down", no_wait)
    for i in range(12):
        assert log_in(proxied_client(behind_proxy, f"203.0.113.{i}"), password="guess").status_code == 401
    assert waits == [2.0, 2.0]  # the 11th and 12th attempts waited
    assert log_in(proxied_client(behind_proxy, "198.51.100.7")).status_code == 303
    assert log_in(proxied_client(behind_proxy, "203.0.113.0"), username="bob").status_code == 401  # no wait
    assert waits == [2.0, 2.0, 2.0]  # alice's own login waited too; bob's did not


def test_ipv6_clients_are_one_client_per_64(behind_proxy: object) -> None:
    for i in range(5):
        address = f"2001:db8:1:2::{i + 1:x}"
        assert log_in(proxied_client(behind_proxy, address), password="guess").status_code == 401
    assert log_in(proxied_client(behind_proxy, "2001:db8:1:2:ffff::9")).status_code == 429
    assert log_in(proxied_client(behind_proxy, "2001:db8:1:3::1")).status_code == 303


def test_staff_responses_are_never_cached(client: TestClient) -> None:
    assert client.get("/staff").headers["cache-control"] == "no-store"  # the redirect too
    assert client.get("/staff/login").headers["cache-control"] == "no-store"
    log_in(client)
    for path in ("/staff", "/staff/export.csv", "/staff/requests/PRL-7KQ3MX"):
        assert client.get(path).headers["cache-control"] == "no-store"


def test_login_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "alice", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


def session_started(uow: UnitOfWork, ago: timedelta, idle_for: timedelta) -> str:
    """A session begun `ago`, last used `idle_for` ago (written as the store would have)."""
    with uow() as session:
        token = start_session(session, get_user(session, "alice"), IDLE_TIMEOUT, LIFETIME, now=utcnow() - ago)
        session.get(StaffSessionRecord, hashlib.sha256(token.encode()).hexdigest()).last_seen_at = (
            utcnow() - idle_for
        )
    return token


def test_a_session_expires_after_15_idle_minutes(client: TestClient, uow: UnitOfWork) -> None:
    client.cookies.set(
        COOKIE, session_started(uow, timedelta(minutes=16), timedelta(minutes=16)), path="/staff"
    )
    assert client.get("/staff").status_code == 303
    client.cookies.set(
        COOKIE, session_started(uow, timedelta(minutes=14), timedelta(minutes=14)), path="/staff"
    )
    assert client.get("/staff").status_code == 200


def test_a_session_ends_after_12_hours_however_busy(client: TestClient, uow: UnitOfWork) -> None:
    assert timedelta(hours=12) == LIFETIME
    token = session_started(uow, timedelta(hours=12, minutes=1), timedelta(minutes=1))
    client.cookies.set(COOKIE, token, path="/staff")
    assert client.get("/staff").status_code == 303


@pytest.mark.parametrize(
    "cookie",
    ["forged", "1:0:1700000000:1700000000:forged", "A" * 43, "é" * 43, "1:0:1700000000:1700000000:caf\u00e9"],
    ids=["word", "old-format", "never-issued", "non-ascii", "non-ascii-old-format"],
)
def test_a_forged_or_odd_cookie_is_no_session(
    client: TestClient, caplog: pytest.LogCaptureFixture, cookie: str
) -> None:
    caplog.set_level(logging.INFO)
    response = client.get("/staff", headers={"Cookie": f"{COOKIE}={cookie}".encode()})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert "Traceback" not in caplog.text and "unexpected error" not in caplog.text


def test_a_cookie_kept_from_before_logout_opens_nothing(client: TestClient) -> None:
    log_in(client)
    saved = client.cookies.get(COOKIE)
    reference_page = "/staff/requests/PRL-7KQ3MX"
    page = client.get("/staff")
    assert client.post("/staff/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    client.cookies.set(COOKIE, saved, path="/staff")  # the attacker's copy of the cookie
    assert client.get("/staff").status_code == 303
    assert client.get(reference_page).status_code == 303
    assert (
        client.post(reference_page, data={"action": "contacted", "csrf": csrf_of(page.text)}).status_code
        == 401
    )


def test_logout_and_disabling_end_the_session(client: TestClient, uow: UnitOfWork) -> None:
    log_in(client)
    page = client.get("/staff")
    assert client.post("/staff/logout", data={"csrf": "wrong"}).status_code == 403
    assert client.post("/staff/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    assert client.get("/staff").status_code == 303
    log_in(client)
    with uow() as session:
        disable_user(session, "alice")
    assert client.get("/staff").status_code == 303
    assert log_in(client).status_code == 401


def test_the_list_filters_searches_and_pages(client: TestClient, uow: UnitOfWork) -> None:
    for i in range(30):
        add(uow, f"Patient {i:02d}")
    smith = add(uow, "Jane Smith", email="jane@example.org")
    with uow() as session:
        change_status(session, smith, "contacted", actor="test")
    log_in(client)
    first = client.get("/staff").text
    assert "Jane Smith" in first and "Page 1 of 2" in first
    assert first.index("Jane Smith") < first.index("Patient 29")
    assert "Patient 00" in client.get("/staff?page=2").text
    only = client.get("/staff?status=contacted").text
    assert "Jane Smith" in only and "Patient 01" not in only
    for needle in ("jane", "example.org", smith.lower(), "555-0199"):
        assert "Jane Smith" in client.get("/staff", params={"q": needle}).text
    bad = client.get("/staff?from=yesterday")
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_a_request_page_shows_everything_and_records_the_view(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(
        uow, "Jane Smith", reason="sciatica", transcript=[{"from": "visitor", "text": "hi there"}]
    )
    log_in(client)
    page = client.get(f"/staff/requests/{reference}").text
    for shown in ("Jane Smith", "+12125550199", "sciatica", "hi there", "visitor"):
        assert shown in page
    with uow() as session:
        events = session.execute(select(AccessEvent)).scalars().all()
        assert [(e.actor, e.action) for e in events] == [("staff:alice", "viewed")]
    assert client.get("/staff/requests/PRL-7KQ3MX").status_code == 404


def test_visitor_text_is_shown_as_text(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(uow, "<img src=x onerror=alert(1)>", reason="<script>alert(2)</script>")
    log_in(client)
    for page in (client.get("/staff").text, client.get(f"/staff/requests/{reference}").text):
        assert "<img src=x" not in page and "<script>alert" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_status_moves_need_the_csrf_token_and_follow_the_rules(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(uow)
    log_in(client)
    token = csrf_of(client.get(f"/staff/requests/{reference}").text)
    assert client.post(f"/staff/requests/{reference}", data={"action": "contacted"}).status_code == 403
    done = client.post(
        f"/staff/requests/{reference}", data={"action": "contacted", "note": "voicemail", "csrf": token}
    )
    assert done.status_code == 303
    assert (
        client.post(
            f"/staff/requests/{reference}", data={"action": "note", "note": "call after 3", "csrf": token}
        ).status_code
        == 303
    )
    with uow() as session:
        request = get_request(session, reference)
        change_status(session, reference, "cancelled", actor="visitor")
        history = [(c.from_status, c.to_status, c.actor, c.note) for c in status_history(session, request)]
    assert history[1:3] == [
        ("new", "contacted", "staff:alice", "voicemail"),
        ("contacted", "contacted", "staff:alice", "call after 3"),
    ]
    page = client.get(f"/staff/requests/{reference}").text
    assert "cannot be reopened" in page and "Mark scheduled" not in page
    refused = client.post(f"/staff/requests/{reference}", data={"action": "scheduled", "csrf": token})
    assert refused.status_code == 400 and "cannot become" in refused.text


def test_export_is_the_current_filter_neutralised_and_audited(client: TestClient, uow: UnitOfWork) -> None:
    add(uow, "=cmd|' /C calc'!A0")
    other = add(uow, "Plain Name")
    with uow() as session:
        change_status(session, other, "contacted", actor="test")
    log_in(client)
    everything = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv").text)))
    assert {row["full_name"] for row in everything} == {"'=cmd|' /C calc'!A0", "Plain Name"}
    filtered = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv?status=contacted").text)))
    assert [row["full_name"] for row in filtered] == ["Plain Name"]
    with uow() as session:
        actions = session.execute(select(AccessEvent.action)).scalars().all()
    assert actions.count("exported") == 2


def test_a_right_password_clears_that_clients_count_and_old_failures(
    behind_proxy: object, uow: UnitOfWork
) -> None:
    desk = proxied_client(behind_proxy, "198.51.100.7")
    other = proxied_client(behind_proxy, "203.0.113.9")
    assert log_in(other, password="old guess").status_code == 401
    with uow() as session:
        session.execute(select(LoginFailure)).scalar_one().created_at = utcnow() - timedelta(minutes=16)
    for i in range(4):
        assert log_in(desk, password=f"typo {i}").status_code == 401
    assert log_in(other, password="guess").status_code == 401
    assert log_in(desk).status_code == 303
    with uow() as session:
        left = [(f.username, f.client) for f in session.execute(select(LoginFailure)).scalars()]
    assert left == [("alice", "203.0.113.9")]  # the desk's count is gone, and the stale failure


WORDS = "degenerative discs - the appointment is for my mother Rosa"


def test_the_dashboard_shows_the_patient_the_words_and_the_extension(
    client: TestClient, uow: UnitOfWork
) -> None:
    reference = add(
        uow,
        "Ana Lopez",
        phone_extension="7",
        reason="degenerative disc",
        reason_text=WORDS,
        patient_name="Rosa",
        patient_relation="mother",
    )
    log_in(client)
    listing, page = client.get("/staff").text, client.get(f"/staff/requests/{reference}").text
    for html in (listing, page):
        assert "Patient: Rosa (mother) — requested by Ana Lopez" in html
        assert WORDS in html
        assert "+12125550199 ext. 7" in html
    assert "Patient: Rosa" in client.get("/staff?q=rosa").text  # staff search the patient's name too


def test_the_patient_and_the_words_are_shown_as_text(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(
        uow,
        patient_name="<img src=x onerror=alert(1)>",
        patient_relation="mother",
        reason="sciatica",
        reason_text="<script>alert(2)</script>",
    )
    log_in(client)
    for html in (client.get("/staff").text, client.get(f"/staff/requests/{reference}").text):
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(2)" in html


def test_the_export_has_the_new_columns_neutralised(client: TestClient, uow: UnitOfWork) -> None:
    add(
        uow,
        phone_extension="7",
        reason="sciatica",
        reason_text="=HYPERLINK('http://evil.example')",
        patient_name="@Rosa",
        patient_relation="mother",
    )
    log_in(client)
    [row] = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv").text)))
    assert row["reason_text"] == "'=HYPERLINK('http://evil.example')"
    assert row["patient_name"] == "'@Rosa"
    assert (row["patient_relation"], row["phone_extension"], row["phone"]) == ("mother", "7", "'+12125550199")
