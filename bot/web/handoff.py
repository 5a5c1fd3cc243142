"""The visitor's side of the live handoff: `/chat` while staff are asked or hold the chat, and
`GET /chat/events`, which the widget long-polls for staff replies, typing and the end of the hold.

While a conversation waits for staff or is held, the visitor's messages are stored for staff instead
of reaching Rasa; a red flag still gets the emergency reply at once. Everything lives in the
database, read about once a second, so any web replica serves any visitor. A wait nobody answered
within HANDOFF_WAIT_MINUTES expires on the visitor's next call, and only then is Rasa sent
`/handoff_unanswered` (visitors cannot send `/commands`), so the bot takes a callback request instead.
What the visitor reads from here is in the conversation's language (`language`, "en" or "es").
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.conversation.wording import say
from bot.store.db import UnitOfWork, describe_error
from bot.store.handoffs import (
    ACTIVE,
    active_handoff,
    add_visitor_message,
    expire_if_unanswered,
    latest_handoff,
    messages_after,
    queue_position,
    staff_typing,
)
from bot.store.schema import Handoff
from bot.web.replies import error, outage_text, widget_messages
from bot.web.tokens import TOKEN_HEADER, conversation_of, token_for

if TYPE_CHECKING:
    from bot.web.app import Proxy

logger = logging.getLogger(__name__)

LONG_POLL_S = 20.0  # a /chat/events call waits at most this long for news
POLL_INTERVAL_S = 1.0  # how often it reads the database meanwhile
UNANSWERED = "/handoff_unanswered"
SHOWN = ("staff", "system")  # what the visitor is sent; their own words they have, notes are internal
STATES = ("none", "waiting", "held", "returned", "closed", "expired")
BUTTON_DURING_HOLD = "Please type your message: a member of the practice's staff is reading this chat."


@dataclass(frozen=True)
class Status:
    """The handoff as the widget shows it."""

    state: str  # one of STATES; "none" when the conversation never asked for staff
    position: int = 0  # in the queue, 1 first; 0 when not waiting
    typing: bool = False
    staff: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    """What a visitor's message during a handoff came to."""

    status: Status
    expired: bool = False  # the wait just ran out: Rasa takes over
    emergency: str | None = None  # the emergency reply, already stored
    refused: bool = False  # a button choice, which staff could not read


def status_text(status: Status, language: str = "en") -> str:
    """The line the widget shows above the chat while staff are asked or hold it (widget.js statusText
    writes the English one itself); "" when no handoff is active."""
    if not status.active:
        return ""
    if status.state == "held":
        if status.staff:
            return say(language, "{staff} from the practice has joined.", staff=status.staff)
        return say(language, "A member of staff from the practice has joined.")
    if status.position > 1:
        return say(language, "You're number {position} in the queue.", position=status.position)
    return say(language, "Someone from the practice will be with you shortly.")


def _status(session: Session, handoff: Handoff, now: datetime) -> Status:
    held = handoff.state == "held"
    return Status(
        handoff.state,
        queue_position(session, handoff),
        held and staff_typing(handoff, now),
        handoff.staff_user,
    )


def visitor_turn(
    uow: UnitOfWork, conversation: str, text: str | None, now: datetime, wait: timedelta
) -> Turn | None:
    """Store a visitor's message (`text`; None for a button choice) for staff; None when the
    conversation has no active handoff, so the message goes to Rasa as usual."""
    with uow() as session:
        handoff = active_handoff(session, conversation)
        if handoff is None:
            return None
        expired = expire_if_unanswered(session, handoff, now, wait)
        if text is None:
            return Turn(_status(session, handoff, now), expired=expired, refused=not expired)
        emergency = add_visitor_message(session, handoff, text, now)  # kept even when expired
        return Turn(_status(session, handoff, now), expired=expired, emergency=emergency)


def current_status(uow: UnitOfWork, conversation: str, now: datetime) -> Status:
    with uow() as session:
        handoff = active_handoff(session, conversation)
        return _status(session, handoff, now) if handoff else Status("none")


def news(
    uow: UnitOfWork, conversation: str, after: int, now: datetime, wait: timedelta
) -> tuple[Status, list[dict[str, Any]], bool]:
    """The latest handoff's status, the staff and system messages after id `after`, and whether its
    wait just expired."""
    with uow() as session:
        handoff = latest_handoff(session, conversation)
        if handoff is None:
            return Status("none"), [], False
        expired = expire_if_unanswered(session, handoff, now, wait)
        messages = [
            {"id": m.id, "from": m.sender, "name": m.staff_user, "text": m.text}
            for m in messages_after(session, handoff.id, after)
            if m.sender in SHOWN
        ]
        return _status(session, handoff, now), messages, expired


async def unanswered(proxy: Proxy, conversation: str, language: str = "en") -> list[dict[str, Any]]:
    """Tell Rasa nobody joined; its messages (the offer of a callback), or the outage text."""
    answer = await proxy.forward(conversation, UNANSWERED)
    if answer is None:
        return [{"text": outage_text(proxy.settings.practice_phone, language)}]
    return widget_messages(proxy.secret, conversation, answer)[0]


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def chat_turn(
    request: Request, conversation: str, text: str | None, language: str = "en"
) -> Response | None:
    """The answer to a visitor's message while staff are asked or hold the chat; None: ask Rasa."""
    proxy: Proxy = request.app.state.proxy
    wait = proxy.settings.handoff_wait
    try:
        turn = await asyncio.to_thread(visitor_turn, request.app.state.uow, conversation, text, _now(), wait)
    except Exception as problem:  # the bot answering beats no answer; Rasa checks red flags too
        logger.warning("handoff lookup failed, asking Rasa instead: %s", describe_error(problem))
        return None
    if turn is None:
        return None
    if turn.refused:
        return error(400, say(language, BUTTON_DURING_HOLD))
    messages = [{"text": turn.emergency}] if turn.emergency else []
    if turn.expired:
        messages += await unanswered(proxy, conversation, language)
    return JSONResponse(
        {
            "token": token_for(proxy.secret, conversation),
            "messages": messages,
            "handoff": turn.status.as_json(),
        }
    )


async def queued(request: Request, conversation: str) -> dict[str, Any]:
    """The status to send after the bot put the visitor in the queue."""
    try:
        status = await asyncio.to_thread(current_status, request.app.state.uow, conversation, _now())
    except Exception as problem:
        logger.warning("could not read the queue position: %s", describe_error(problem))
        status = Status("waiting")
    return (status if status.active else Status("waiting")).as_json()


def _number(params: QueryParams, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 15):
        raise ValueError(f"'{name}' must be a whole number, like {name}=0.")
    return int(raw)


def _known(params: QueryParams) -> dict[str, Any]:
    """What the widget already shows (state, position, typing), so a change is news at once."""
    known: dict[str, Any] = {}
    if "state" in params:
        if params["state"] not in STATES:
            raise ValueError(f"'state' must be one of {', '.join(STATES)}.")
        known["state"] = params["state"]
    if "position" in params:
        known["position"] = _number(params, "position", 0)
    if "typing" in params:
        if params["typing"] not in ("0", "1", "true", "false"):
            raise ValueError("'typing' must be 1 or 0.")
        known["typing"] = params["typing"] in ("1", "true")
    return known


def _limited(proxy: Proxy, request: Request, conversation: str, language: str = "en") -> Response | None:
    for limiter, key in (
        (proxy.events_per_client, proxy.client_key(request)),
        (proxy.events_per_conversation, conversation),
    ):
        if not limiter.allow(key):
            return error(
                429,
                say(language, "Checking for messages too often. Please wait a moment."),
                headers={"Retry-After": str(limiter.retry_after(key))},
            )
    return None


async def chat_events(request: Request) -> Response:
    """Long poll: staff and system messages after `after`, and the handoff's status, as soon as there
    is news (or after LONG_POLL_S without any)."""
    proxy: Proxy = request.app.state.proxy
    given = request.headers.get(TOKEN_HEADER)
    conversation = conversation_of(proxy.secret, given)
    language = proxy.language(conversation) if conversation else proxy.settings.languages[0]
    if conversation is None:
        return error(
            401,
            f"Please send the conversation's token in the {TOKEN_HEADER} header."
            if not given
            else say(language, "This conversation has ended. Please send a message to start a new one."),
        )
    try:
        after = _number(request.query_params, "after", 0)
        known = _known(request.query_params)
    except ValueError as problem:
        return error(400, str(problem))
    if (limited := _limited(proxy, request, conversation, language)) is not None:
        return limited
    deadline = time.monotonic() + LONG_POLL_S
    while True:
        try:
            status, messages, expired = await asyncio.to_thread(
                news, request.app.state.uow, conversation, after, _now(), proxy.settings.handoff_wait
            )
        except Exception as problem:
            logger.warning("could not read handoff messages: %s", describe_error(problem))
            return error(
                503,
                say(language, "Messages from the practice can't be fetched right now."),
                headers={"Retry-After": "5"},
            )
        known = known or {"state": status.state, "position": status.position, "typing": status.typing}
        if expired:
            bot = await unanswered(proxy, conversation, language)
            messages += [{"id": None, "from": "bot", "name": None, **message} for message in bot]
        changed = any(getattr(status, name) != value for name, value in known.items())
        if messages or changed or not status.active or time.monotonic() >= deadline:
            return JSONResponse({"messages": messages, "handoff": status.as_json()})
        await asyncio.sleep(POLL_INTERVAL_S)
