"""The live handoff on socket.io: while staff are asked or hold a session's chat, its messages are
stored for them instead of reaching the bot, and their replies are emitted to the session's room.

The queue and the hold are the same database rows the website's chat uses (bot/store/handoffs.py), so
the staff's inbox serves both. Each Rasa server delivers to the sessions connected to it: it reads the
database about once a second, as bot.web's `/chat/events` does. A session that reconnects is sent the
hold's staff messages again from the start, so a reply is never lost to a dropped connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.store.db import UnitOfWork, describe_error, make_engine
from bot.store.handoffs import active_handoff, add_visitor_message, expire_if_unanswered, messages_after
from bot.store.schema import Handoff

logger = logging.getLogger(__name__)

POLL_INTERVAL_S = 1.0
UNANSWERED = "/handoff_unanswered"
SHOWN = ("staff", "system")
ENDED = ("returned", "closed")


@dataclass(frozen=True)
class Outgoing:
    """A staff or system message for one conversation."""

    conversation: str
    text: str


def _label(sender: str, staff_user: str | None, text: str) -> str:
    return f"{staff_user} (practice staff): {text}" if sender == "staff" and staff_user else text


def store_visitor_message(uow: UnitOfWork, conversation: str, text: str) -> tuple[bool, str | None]:
    """(whether staff are asked or hold the chat, so the bot must not answer; the emergency reply)."""
    with uow() as session:
        handoff = active_handoff(session, conversation)
        if handoff is None:
            return False, None
        return True, add_visitor_message(session, handoff, text, datetime.now(timezone.utc))


def pending(
    uow: UnitOfWork, conversations: set[str], delivered: dict[int, int], wait: timedelta
) -> tuple[list[Outgoing], list[str]]:
    """Staff and system messages not yet sent to these conversations, and the conversations whose wait
    just ran out (the bot then takes a callback request). `delivered` maps handoff id -> last id sent."""
    if not conversations:
        return [], []
    now = datetime.now(timezone.utc)
    outgoing: list[Outgoing] = []
    expired: list[str] = []
    with uow() as session:
        handoffs = session.scalars(
            select(Handoff).where(
                Handoff.channel == "socketio",
                Handoff.conversation_id.in_(sorted(conversations)),
                Handoff.state.in_(("waiting", "held", *ENDED)),
            )
        ).all()
        for handoff in handoffs:
            if handoff.state not in ENDED:
                delivered.setdefault(handoff.id, 0)  # seen active: its hand-back message will be news
            if handoff.state in ENDED and handoff.id not in delivered:
                continue  # ended before this session connected: nothing of it is news
            if expire_if_unanswered(session, handoff, now, wait):
                expired.append(handoff.conversation_id)
                continue
            for message in messages_after(session, handoff.id, delivered.get(handoff.id, 0)):
                delivered[handoff.id] = message.id
                if message.sender in SHOWN:
                    text = _label(message.sender, message.staff_user, message.text)
                    outgoing.append(Outgoing(handoff.conversation_id, text))
            if handoff.state in ENDED:
                delivered.pop(handoff.id, None)  # its last message is out: done with it
    return outgoing, expired


async def deliver_forever(
    uow: UnitOfWork,
    connected: Callable[[], set[str]],
    emit: Callable[[str, str], Awaitable[None]],
    unanswered: Callable[[str], Awaitable[None]],
    wait: timedelta,
) -> None:
    """The delivery loop of one Rasa server: runs until the server stops (cancelled)."""
    delivered: dict[int, int] = {}
    while True:
        try:
            outgoing, expired = await asyncio.to_thread(pending, uow, connected(), delivered, wait)
            for message in outgoing:
                await emit(message.conversation, message.text)
            for conversation in expired:
                await unanswered(conversation)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database away: try again next second, never stop delivering
            logger.warning("socket.io handoff delivery failed: %s", describe_error(error))
        await asyncio.sleep(POLL_INTERVAL_S)


class HandoffDesk:
    """What one Rasa server's socket.io connector needs of the handoff: the store and the delivery loop."""

    def __init__(self, database_url: str, wait: timedelta) -> None:
        self.database_url, self.wait = database_url, wait
        self.uow: UnitOfWork | None = None
        self._engine = None
        self._delivery: asyncio.Task | None = None

    def start(
        self,
        connected: Callable[[], set[str]],
        emit: Callable[[str, str], Awaitable[None]],
        unanswered: Callable[[str], Awaitable[None]],
    ) -> None:
        self._engine = make_engine(self.database_url)
        self.uow = UnitOfWork(self._engine)
        loop = deliver_forever(self.uow, connected, emit, unanswered, self.wait)
        self._delivery = asyncio.create_task(loop)

    def stop(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
        if self._engine is not None:
            self._engine.dispose()

    async def held(self, conversation: str, text: str, emit: Callable[[str, str], Awaitable[None]]) -> bool:
        """True when staff are asked or hold the chat: the message is theirs and the bot stays quiet
        (a red flag still gets the emergency reply at once)."""
        if self.uow is None:
            return False
        try:
            held, emergency = await asyncio.to_thread(store_visitor_message, self.uow, conversation, text)
        except Exception as error:  # the bot answering beats no answer; it checks red flags too
            logger.warning("socket.io handoff lookup failed, the bot answers: %s", describe_error(error))
            return False
        if emergency:
            await emit(conversation, emergency)
        return held
