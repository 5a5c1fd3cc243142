"""The staff dashboard's live inbox under /staff/inbox: visitors waiting for a person, and the chats
staff hold.

Everything is read from and written to the database on each request (the page's script polls), so
any number of web servers share one inbox. Only the staff member holding a conversation replies,
hands it back or closes it; any logged-in staff member may add a note (a colleague's advice, never
shown to the visitor). Polling is not activity: it neither keeps an unattended session alive nor
renews the cookie, so the idle logoff still ends a dashboard left open.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.conversation.language import conversation_language
from bot.conversation.wording import say
from bot.store import handoffs
from bot.store.schema import Handoff, HandoffMessage, StaffUser, utcnow
from bot.store.staff import record_access
from bot.web.sessions import StaffSession, tokens_match
from bot.web.staff import current_staff, render, site_secret, with_session

STATIC = Path(__file__).resolve().parent / "static"
CSRF_HEADER = "X-CSRF-Token"
MAX_TEXT = handoffs.MAX_TEXT
ENDED = "This conversation has ended."
RETURNED = "You're back with the assistant. It can help you with the rest."
CLOSED = "The practice's staff member has closed this chat. The assistant can help you with anything else."
LOGGED_OUT = "Your session has ended. Please log in again."
_DIGITS = re.compile(r"[0-9]{1,9}")

Handler = Callable[[Request, StaffSession, StaffUser], Awaitable[Response]]
Action = Callable[[Request, StaffUser, dict[str, Any]], Awaitable[Response]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def wait_text(seconds: float) -> str:
    """How long a visitor has waited, as the list shows it: "waiting 40 s", "waiting 3 min"."""
    whole = max(int(seconds), 0)
    return f"waiting {whole} s" if whole < 60 else f"waiting {whole // 60} min"


def _label(handoff: Handoff, now: datetime) -> str:
    if handoff.state == "waiting":
        return wait_text((now - handoff.requested_at).total_seconds())
    return f"held by {handoff.staff_user}" if handoff.state == "held" else handoff.state


def _holder_name(username: str | None) -> str:
    return (username or "someone").capitalize()


def _already_held(handoff: Handoff) -> JSONResponse:
    return _error(409, f"{_holder_name(handoff.staff_user)} is already handling this conversation.")


def message_json(message: HandoffMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "sender": message.sender,
        "staff_user": message.staff_user,
        "text": message.text,
        "red_flag": bool(message.red_flag),
        "created_at": message.created_at.isoformat(),
    }


def transcript_json(handoff: Handoff) -> list[dict[str, Any]]:
    """The conversation with the bot before the handoff, as stored (only entries that are objects)."""
    return [
        {"sender": str(e.get("sender", "")), "text": str(e.get("text", "")), "timestamp": e.get("timestamp")}
        for e in handoff.transcript or []
        if isinstance(e, dict)
    ]


def _summary(db: Session, handoff: Handoff, now: datetime) -> dict[str, Any]:
    messages = handoffs.messages_after(db, handoff.id)
    shown = [m.text for m in messages if m.sender != "note"] or [e["text"] for e in transcript_json(handoff)]
    return {
        "id": handoff.id,
        "state": handoff.state,
        "waiting_seconds": max(int((now - handoff.requested_at).total_seconds()), 0),
        "staff_user": handoff.staff_user,
        "label": _label(handoff, now),
        "last_text": shown[-1][:200] if shown else "",
        "red_flag": any(m.red_flag for m in messages),
    }


def _feed(db: Session, now: datetime) -> dict[str, Any]:
    rows = handoffs.inbox(db)
    return {
        "waiting": sum(1 for h in rows if h.state == "waiting"),
        "conversations": [_summary(db, h, now) for h in rows],
    }


def whole_number(raw: str) -> int | None:
    """A non-negative id as typed in a URL (ASCII digits only: "²".isdigit() is true), or None."""
    return int(raw) if _DIGITS.fullmatch(raw) else None


def _handoff_id(request: Request) -> int | None:
    return whole_number(request.path_params.get("handoff_id", ""))


def _poll(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A JSON read by the page's own script: a live session, without touching it (no activity)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        current = current_staff(request, touch=False)
        if current is None:
            return _error(401, LOGGED_OUT)
        return await handler(request, *current)

    return guarded


async def _body(request: Request) -> dict[str, Any] | None:
    """The fields of a form or a JSON object; None when the body is neither."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads((await request.body()).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None
    return dict(await request.form())


def _action(handler: Action) -> Callable[[Request], Awaitable[Response]]:
    """A staff member's action: a live session (this is activity), its CSRF token, a JSON answer."""

    @functools.wraps(handler)
    async def checked(request: Request) -> Response:
        current = current_staff(request)
        if current is None:
            return _error(401, LOGGED_OUT)
        session, user = current
        data = await _body(request)
        given = (data or {}).get("csrf") or request.headers.get(CSRF_HEADER, "")
        if not isinstance(given, str) or not tokens_match(given, session.csrf_token(site_secret(request))):
            return _error(403, "Missing or wrong security token. Please reload the page.")
        if data is None:
            return _error(400, 'Please send a form or a JSON object like {"text": "Hello"}.')
        return with_session(request, await handler(request, user, data), session)

    return checked


def clean_text(raw: Any) -> str | None:
    """A message staff may send: a string, trimmed, without control characters; None if not a string."""
    if not isinstance(raw, str):
        return None
    kept = "".join(ch for ch in raw if (ch in "\n\t" or ch >= " ") and not "\ud800" <= ch <= "\udfff")
    return kept.strip()


def _text_problem(text: str | None) -> str | None:
    if text is None:
        return "Please send the message as text."
    if not text:
        return "Please type a message first."
    if len(text) > MAX_TEXT:
        return f"Please keep messages under {MAX_TEXT} characters (this one has {len(text)})."
    return None


def _refusal(handoff: Handoff | None, user: StaffUser, holder_only: bool) -> JSONResponse | None:
    """Why `user` may not act on `handoff` now, or None when they may."""
    if handoff is None:
        return _error(404, "There is no such conversation.")
    if handoff.state not in handoffs.ACTIVE:
        return _error(409, ENDED)
    if not holder_only or (handoff.state == "held" and handoff.staff_user == user.username):
        return None
    if handoff.state == "waiting":
        return _error(409, "Please take this conversation first.")
    holder = _holder_name(handoff.staff_user)
    return _error(403, f"{holder} is handling this conversation; only they can reply, hand back or close.")


def _done(handoff: Handoff, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "state": handoff.state, "staff_user": handoff.staff_user, **extra})


def _audit(db: Session, user: StaffUser, action: str, handoff: Handoff) -> None:
    """Who did what to which conversation; never what was written."""
    record_access(db, f"staff:{user.username}", action, None, f"handoff {handoff.id}")


@_action
async def take(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    handoff_id, now = _handoff_id(request), utcnow()
    with request.app.state.uow() as db:
        handoff = handoffs.get_handoff(db, handoff_id) if handoff_id else None
        if handoff is not None and handoff.state == "held" and handoff.staff_user != user.username:
            return _already_held(handoff)
        if refused := _refusal(handoff, user, holder_only=False):
            return refused
        if handoff.state == "waiting" and not handoffs.take(db, handoff.id, user.username, now):
            handoff = handoffs.get_handoff(db, handoff.id)
            if handoff.state == "held":
                return _already_held(handoff)
            return _error(409, ENDED)
        handoff = handoffs.get_handoff(db, handoff.id)
        _audit(db, user, "handoff_take", handoff)
        return _done(handoff)


async def _write(request: Request, user: StaffUser, data: dict[str, Any], sender: str) -> Response:
    text = clean_text(data.get("text"))
    if problem := _text_problem(text):
        return _error(400, problem)
    handoff_id = _handoff_id(request)
    with request.app.state.uow() as db:
        handoff = handoffs.get_handoff(db, handoff_id) if handoff_id else None
        if refused := _refusal(handoff, user, holder_only=sender == "staff"):
            return refused
        message = handoffs.add_message(db, handoff, sender, text, utcnow(), staff_user=user.username)
        _audit(db, user, "handoff_reply" if sender == "staff" else "handoff_note", handoff)
        return _done(handoff, message=message_json(message))


@_action
async def reply(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    return await _write(request, user, data, "staff")


@_action
async def note(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    return await _write(request, user, data, "note")


@_action
async def typing(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    handoff_id = _handoff_id(request)
    with request.app.state.uow() as db:
        handoff = handoffs.get_handoff(db, handoff_id) if handoff_id else None
        if refused := _refusal(handoff, user, holder_only=True):
            return refused
        handoffs.set_staff_typing(db, handoff, utcnow())
        return _done(handoff)


async def _end(request: Request, user: StaffUser, state: str, goodbye: str, action: str) -> Response:
    handoff_id, now = _handoff_id(request), utcnow()
    with request.app.state.uow() as db:
        handoff = handoffs.get_handoff(db, handoff_id) if handoff_id else None
        if refused := _refusal(handoff, user, holder_only=True):
            return refused
        if not handoffs.end(db, handoff.id, user.username, state, now):
            return _refusal(handoffs.get_handoff(db, handoff.id), user, True) or _error(409, ENDED)
        handoff = handoffs.get_handoff(db, handoff.id)
        said = say(conversation_language(handoff.conversation_id), goodbye)  # in the visitor's language
        handoffs.add_message(db, handoff, "system", said, now)
        _audit(db, user, action, handoff)
        return _done(handoff)


@_action
async def hand_back(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    return await _end(request, user, "returned", RETURNED, "handoff_return")


@_action
async def close(request: Request, user: StaffUser, data: dict[str, Any]) -> Response:
    return await _end(request, user, "closed", CLOSED, "handoff_close")


@_poll
async def feed(request: Request, session: StaffSession, user: StaffUser) -> Response:
    with request.app.state.uow() as db:
        return JSONResponse(_feed(db, utcnow()))


@_poll
async def messages(request: Request, session: StaffSession, user: StaffUser) -> Response:
    after = whole_number(request.query_params.get("after", "0"))
    if after is None:
        return _error(400, "after must be a message id (a whole number, 0 for everything).")
    handoff_id = _handoff_id(request)
    with request.app.state.uow() as db:
        handoff = handoffs.get_handoff(db, handoff_id) if handoff_id else None
        if handoff is None:
            return _error(404, "There is no such conversation.")
        body: dict[str, Any] = {"state": handoff.state, "staff_user": handoff.staff_user}
        if after == 0:
            body["transcript"] = transcript_json(handoff)
        body["messages"] = [message_json(m) for m in handoffs.messages_after(db, handoff.id, after)]
        body["visitor_typing"] = False  # the widget does not report typing
        return JSONResponse(body)


async def page(request: Request) -> Response:
    """The inbox, and the selected conversation (`?id=`) with its transcript; opening one is a view."""
    current = current_staff(request)
    if current is None:
        return RedirectResponse("/staff/login", status_code=303)
    session, user = current
    raw, now = request.query_params.get("id", ""), utcnow()
    selected, transcript, shown, status = None, [], [], 200
    with request.app.state.uow() as db:
        listing = _feed(db, now)
        if raw:
            wanted = whole_number(raw)
            selected = handoffs.get_handoff(db, wanted) if wanted else None
            status = 200 if selected else 404
        if selected is not None:
            transcript = transcript_json(selected)
            shown = [message_json(m) for m in handoffs.messages_after(db, selected.id)]
            record_access(db, f"staff:{user.username}", "handoff_viewed", None, f"handoff {selected.id}")
            db.expunge(selected)
    context = {
        "user": user.username,
        "csrf": session.csrf_token(site_secret(request)),
        "feed": listing,
        "selected": selected,
        "missing": raw if status == 404 else None,
        "transcript": transcript,
        "messages": shown,
        "last_id": shown[-1]["id"] if shown else 0,
        "mine": selected is not None and selected.state == "held" and selected.staff_user == user.username,
        "ended": selected is not None and selected.state not in handoffs.ACTIVE,
        "max_text": MAX_TEXT,
    }
    return with_session(request, render(request, "staff_inbox.html", context, status), session)


def _script(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        return FileResponse(
            STATIC / name, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    return serve


routes = [
    Route("/inbox.js", _script("inbox.js")),
    Route("/staff_badge.js", _script("staff_badge.js")),
    Route("/staff/inbox", page, methods=["GET"]),
    Route("/staff/inbox/feed", feed, methods=["GET"]),
    Route("/staff/inbox/{handoff_id}/messages", messages, methods=["GET"]),
    Route("/staff/inbox/{handoff_id}/take", take, methods=["POST"]),
    Route("/staff/inbox/{handoff_id}/reply", reply, methods=["POST"]),
    Route("/staff/inbox/{handoff_id}/note", note, methods=["POST"]),
    Route("/staff/inbox/{handoff_id}/typing", typing, methods=["POST"]),
    Route("/staff/inbox/{handoff_id}/return", hand_back, methods=["POST"]),
    Route("/staff/inbox/{handoff_id}/close", close, methods=["POST"]),
]
