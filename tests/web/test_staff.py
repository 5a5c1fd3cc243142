"""The staff dashboard through the Starlette test client, on a real (SQLite) store."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

import bot.web.staff
from bot.settings import get_settings
from bot.staff.passwords import hash_password
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.requests import NewRequest, change_status, create_request, get_request, status_history
from bot.store.schema import AccessEvent, StaffUser
from bot.store.staff import create_user, disable_user
from bot.web.app import create_app
from bot.web.limits import RateLimiter
from bot.web.sessions import COOKIE, new_session

PASSWORD = "a long staff password"


@pytest.fixture
def uow() -> UnitOfWork:
    url = get_settings().database_url
    upgrade(url)
    store = UnitOfWork(make_engine(url))
    with store() as session:
        create_user(session, "alice", hash_password(PASSWORD))
    return store


@pytest.fixture
def client(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(bot.web.staff, "failed_logins", RateLimiter(limit=5, window_s=900))
    app = create_app(
        get_settings(), transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    )
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


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
    assert log_in(client).status_code == 429  # even the right password waits out the lockout
    assert client.get("/staff").status_code == 303


def test_login_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "alice", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403


def test_a_session_expires_after_15_idle_minutes(client: TestClient, uow: UnitOfWork) -> None:
    secret = get_settings().resolved_secret_key()
    with uow() as session:
        user_id = session.execute(select(StaffUser.id)).scalar_one()
    stale = new_session(user_id, 0, now=time.time() - 16 * 60)
    client.cookies.set(COOKIE, stale.encode(secret), path="/staff")
    assert client.get("/staff").status_code == 303
    fresh = new_session(user_id, 0, now=time.time() - 14 * 60)
    client.cookies.set(COOKIE, fresh.encode(secret), path="/staff")
    assert client.get("/staff").status_code == 200


def test_a_forged_cookie_is_no_session(client: TestClient) -> None:
    client.cookies.set(COOKIE, f"1:0:{int(time.time())}:{int(time.time())}:forged", path="/staff")
    assert client.get("/staff").status_code == 303


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
