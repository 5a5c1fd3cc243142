"""The staff dashboard under /staff: login, the request list, a request's page, status moves, CSV export.

Every route but the login form needs a session; every state-changing request needs the session's
CSRF token. Everything a visitor typed is rendered by Jinja2 with autoescaping, so it shows as text.
"""

from __future__ import annotations

import asyncio
import functools
import io
import math
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.booking.contact import phone_with_extension
from bot.booking.patient import for_staff
from bot.request_service import add_note, change_status
from bot.staff.export import write_csv
from bot.staff.passwords import verify_password
from bot.store.requests import (
    ALLOWED_MOVES,
    InvalidRequest,
    RequestFilter,
    StoreError,
    all_matching,
    get_request,
    search_requests,
    status_history,
)
from bot.store.schema import REQUEST_LANGUAGES, STATUSES, StaffUser
from bot.store.staff import (
    access_events,
    clear_login_failures,
    end_session,
    get_user,
    live_session,
    login_failures,
    record_access,
    record_login_failure,
    start_session,
)
from bot.web.limits import LOGIN_FAILURES_PER_CLIENT, LOGIN_WINDOW, login_delay
from bot.web.sessions import (
    COOKIE,
    IDLE_TIMEOUT,
    LIFETIME,
    StaffSession,
    login_csrf,
    token_from_cookie,
    tokens_match,
)

LOGIN_NONCE = "prl_login"
PER_PAGE = 25
STAFF_MOVES = ("contacted", "scheduled", "declined")
# Staff read the language by name; the code ("es") is what filters, the API and exports use.
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def site_secret(request: Request) -> str:
    return request.app.state.proxy.secret


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.app.state.proxy.settings.is_production


def current_staff(request: Request, touch: bool = True) -> tuple[StaffSession, StaffUser] | None:
    """The live session the cookie names (checked in the database on every request), or None;
    `touch=False` for a page's own polling, which must not keep an unattended session alive."""
    token = token_from_cookie(request.cookies.get(COOKIE))
    if token is None:
        return None
    with request.app.state.uow() as db:
        found = live_session(db, token, IDLE_TIMEOUT, LIFETIME, touch=touch)
        if found is None:
            return None
        user = found[1]
        db.expunge(user)
    return StaffSession(token), user


def _private_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> Response:
    """HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to /staff; pages not cached."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", secure=_secure(request), path="/staff"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def with_session(request: Request, response: Response, session: StaffSession) -> Response:
    return _private_cookie(request, response, COOKIE, session.token, int(IDLE_TIMEOUT.total_seconds()))


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    settings = request.app.state.proxy.settings
    return request.app.state.templates.TemplateResponse(
        request, template, {"practice_name": settings.practice_name, **context}, status_code=status_code
    )


def _to_login(request: Request) -> Response:
    if request.method == "GET":
        return RedirectResponse("/staff/login", status_code=303)
    return Response("Your session has ended. Please log in again.", status_code=401)


StaffPage = Callable[[Request, StaffSession, StaffUser], Awaitable[Response]]
StaffPost = Callable[[Request, StaffSession, StaffUser, FormData], Awaitable[Response]]


def staff_only(handler: StaffPage) -> Callable[[Request], Awaitable[Response]]:
    """Every /staff route but the login form: without a live session, back to the login."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        current = current_staff(request)
        if current is None:
            return _to_login(request)
        return await handler(request, *current)

    return guarded


def staff_post(handler: StaffPost) -> Callable[[Request], Awaitable[Response]]:
    """A state-changing /staff request: a live session and that session's CSRF token, or nothing."""

    @staff_only
    @functools.wraps(handler)
    async def checked(request: Request, session: StaffSession, user: StaffUser) -> Response:
        form = await request.form()
        if not tokens_match(str(form.get("csrf", "")), session.csrf_token(site_secret(request))):
            return Response("Missing or wrong security token.", status_code=403)
        return await handler(request, session, user, form)

    return checked


async def login_form(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "staff_login.html",
        {"csrf": login_csrf(site_secret(request), nonce), "error": error},
        status_code,
    )
    return _private_cookie(request, response, LOGIN_NONCE, nonce, 1800)


async def _slow_down(seconds: float) -> None:
    """The per-account delay after many failures (its own name, so tests replace only this wait)."""
    await asyncio.sleep(seconds)


async def login(request: Request) -> Response:
    form = await request.form()
    nonce = request.cookies.get(LOGIN_NONCE, "")
    if not nonce or not tokens_match(str(form.get("csrf", "")), login_csrf(site_secret(request), nonce)):
        return await login_form(request, "Your login form expired. Please try again.", 403)
    username = str(form.get("username", "")).strip().lower()[:80]
    client = request.app.state.proxy.client_key(request)
    with request.app.state.uow() as db:
        from_here = login_failures(db, username, LOGIN_WINDOW, client)
        everywhere = login_failures(db, username, LOGIN_WINDOW)
    if from_here >= LOGIN_FAILURES_PER_CLIENT:
        return await login_form(request, "Too many attempts. Please wait 15 minutes and try again.", 429)
    if delay := login_delay(everywhere):
        await _slow_down(delay)
    with request.app.state.uow() as db:
        user = get_user(db, username)
        ok = verify_password(user.password_hash if user else None, str(form.get("password", "")))
        if not ok or user is None or user.disabled:
            record_login_failure(db, username, client, LOGIN_WINDOW)
            return await login_form(request, "Wrong username or password.", 401)
        clear_login_failures(db, username, client, LOGIN_WINDOW)
        session = StaffSession(start_session(db, user, IDLE_TIMEOUT, LIFETIME))
    response = RedirectResponse("/staff", status_code=303)
    response.delete_cookie(LOGIN_NONCE, path="/staff")
    return with_session(request, response, session)


@staff_post
async def logout(request: Request, session: StaffSession, user: StaffUser, form: FormData) -> Response:
    """Ends the session in the database, so a copy of the cookie opens nothing afterwards."""
    with request.app.state.uow() as db:
        end_session(db, session.token)
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response


def _filter_from(request: Request) -> tuple[RequestFilter, list[str]]:
    params = request.query_params
    problems: list[str] = []

    def day(name: str) -> date | None:
        value = params.get(name, "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems.append(f"'{value}' is not a date (YYYY-MM-DD)")
            return None

    status = params.get("status", "").strip() or None
    wanted = RequestFilter(
        status=status,
        date_from=day("from"),
        date_to=day("to"),
        text=(params.get("q", "").strip()[:100] or None),
        language=params.get("language", "").strip()[:20] or None,
    )
    problems += wanted.problems()
    return wanted, problems


def _age(moment: datetime) -> str:
    seconds = (datetime.now(timezone.utc) - moment).total_seconds()
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


@staff_only
async def request_list(request: Request, session: StaffSession, user: StaffUser) -> Response:
    wanted, problems = _filter_from(request)
    page = request.query_params.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    rows: list[Any] = []
    total = 0
    if not problems:
        with request.app.state.uow() as db:
            found, total = search_requests(db, wanted, page=page_number, per_page=PER_PAGE)
            rows = [
                {
                    "reference": r.reference,
                    "name": r.full_name,
                    # The patient staff call about, and who asked: "Patient: Rosa (mother) — requested by …"
                    "patient": for_staff(r.patient_name, r.patient_relation, r.full_name),
                    "contact": phone_with_extension(r.phone, r.phone_extension) or r.email or "",
                    "date": r.preferred_date.isoformat() if r.preferred_date else "",
                    "time": r.preferred_time or "",
                    "reason": r.reason or "",
                    "reason_text": r.reason_text or "",
                    "status": r.status,
                    "kind": r.kind,
                    "language": LANGUAGE_NAMES.get(r.language, r.language),
                    "age": _age(r.created_at),
                }
                for r in found
            ]
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    pages = max(1, math.ceil(total / PER_PAGE))
    context = {
        "user": user.username,
        "csrf": session.csrf_token(site_secret(request)),
        "rows": rows,
        "total": total,
        "statuses": STATUSES,
        "languages": {code: LANGUAGE_NAMES.get(code, code) for code in REQUEST_LANGUAGES},
        "filters": dict(request.query_params),
        "problems": problems,
        "page": page_number,
        "pages": pages,
        "query": urlencode(query),
    }
    return with_session(
        request, render(request, "staff_list.html", context, 400 if problems else 200), session
    )


@staff_only
async def request_page(request: Request, session: StaffSession, user: StaffUser) -> Response:
    reference = request.path_params["reference"]
    with request.app.state.uow() as db:
        found = get_request(db, reference)
        if found is None:
            return with_session(
                request,
                render(
                    request,
                    "staff_missing.html",
                    {
                        "reference": reference,
                        "user": user.username,
                        "csrf": session.csrf_token(site_secret(request)),
                    },
                    404,
                ),
                session,
            )
        record_access(db, f"staff:{user.username}", "viewed", found)
        context = {
            "user": user.username,
            "csrf": session.csrf_token(site_secret(request)),
            "r": found,
            "patient": for_staff(found.patient_name, found.patient_relation, found.full_name),
            "phone": phone_with_extension(found.phone, found.phone_extension),
            "language_name": LANGUAGE_NAMES.get(found.language, found.language),
            "history": status_history(db, found),
            "views": access_events(db, found),
            "moves": [m for m in STAFF_MOVES if m in ALLOWED_MOVES[found.status]],
            "flash": request.query_params.get("done"),
        }
        response = render(request, "staff_request.html", context)
    return with_session(request, response, session)


@staff_post
async def request_action(
    request: Request, session: StaffSession, user: StaffUser, form: FormData
) -> Response:
    reference = request.path_params["reference"]
    note = str(form.get("note", "")).strip()[:2000] or None
    action = str(form.get("action", ""))
    uow, settings, actor = request.app.state.uow, request.app.state.proxy.settings, f"staff:{user.username}"
    try:
        if action == "note":
            add_note(uow, reference, actor=actor, note=note or "")
        elif action in STAFF_MOVES:
            change_status(uow, settings, reference, action, actor=actor, note=note)
        else:
            raise InvalidRequest("unknown action")
    except StoreError as error:
        return with_session(request, Response(f"Not done: {error}", status_code=400), session)
    return with_session(
        request, RedirectResponse(f"/staff/requests/{reference}?done={action}", status_code=303), session
    )


@staff_only
async def export(request: Request, session: StaffSession, user: StaffUser) -> Response:
    wanted, problems = _filter_from(request)
    if problems:
        return Response("; ".join(problems), status_code=400)
    out = io.StringIO()
    with request.app.state.uow() as db:
        rows = all_matching(db, wanted)
        count = write_csv(rows, out)
        # Which filters, never their values: a search is a patient's name or phone.
        used = [name for name, value in vars(wanted).items() if value]
        detail = f"{count} request(s)" + (f" (filters: {', '.join(used)})" if used else "")
        record_access(db, f"staff:{user.username}", "exported", None, detail)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    response = Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="requests-{stamp}.csv"'},
    )
    return with_session(request, response, session)


routes = [
    Route("/staff/login", login_form, methods=["GET"]),
    Route("/staff/login", login, methods=["POST"]),
    Route("/staff/logout", logout, methods=["POST"]),
    Route("/staff", request_list, methods=["GET"]),
    Route("/staff/export.csv", export, methods=["GET"]),
    Route("/staff/requests/{reference}", request_page, methods=["GET"]),
    Route("/staff/requests/{reference}", request_action, methods=["POST"]),
]
