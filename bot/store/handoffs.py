"""The live handoff's queue, hold and messages. Functions take a session and never commit.

Every state change is one conditional UPDATE, so two staff members (or two web servers) racing for
the same conversation see exactly one win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.conversation.language import conversation_language
from bot.conversation.safety import emergency_text, red_flag
from bot.store.schema import Handoff, HandoffMessage

ACTIVE = ("waiting", "held")
SENDERS = ("visitor", "staff", "note", "bot", "system")
MAX_TEXT = 2000
TYPING_FOR = timedelta(seconds=6)  # a staff member's typing shows this long after their last key


def active_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """The conversation's handoff that is waiting or held, if any."""
    return session.scalars(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.state.in_(ACTIVE))
        .order_by(Handoff.id.desc())
        .limit(1)
    ).first()


def open_handoff(
    session: Session, conversation_id: str, channel: str, transcript: Sequence[dict[str, Any]], now: datetime
) -> Handoff:
    """Join the queue; a conversation already waiting or held keeps its place."""
    existing = active_handoff(session, conversation_id)
    if existing is not None:
        return existing
    handoff = Handoff(
        conversation_id=conversation_id,
        channel=channel,
        state="waiting",
        requested_at=now,
        transcript=list(transcript),
    )
    session.add(handoff)
    session.flush()
    return handoff


def get_handoff(session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def queue_position(session: Session, handoff: Handoff) -> int:
    """1 for the first waiting conversation; 0 when it is not waiting."""
    if handoff.state != "waiting":
        return 0
    ahead = session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.state == "waiting",
            (Handoff.requested_at < handoff.requested_at)
            | ((Handoff.requested_at == handoff.requested_at) & (Handoff.id < handoff.id)),
        )
    )
    return int(ahead or 0) + 1


def inbox(session: Session) -> list[Handoff]:
    """What staff see: waiting conversations first (longest wait first), then those held."""
    rows = session.scalars(select(Handoff).where(Handoff.state.in_(ACTIVE)).order_by(Handoff.requested_at))
    return sorted(rows, key=lambda h: h.state != "waiting")


def waiting_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Handoff).where(Handoff.state == "waiting")) or 0
    )


def _move(session: Session, handoff_id: int, when: Any, **values: Any) -> bool:
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, when)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return result.rowcount == 1


def take(session: Session, handoff_id: int, staff_user: str, now: datetime) -> bool:
    """Hold a waiting conversation; False when someone else took it first (or it ended)."""
    return _move(
        session, handoff_id, Handoff.state == "waiting", state="held", staff_user=staff_user, taken_at=now
    )


def end(session: Session, handoff_id: int, staff_user: str, state: str, now: datetime) -> bool:
    """Hand back to the bot (`returned`) or close (`closed`); only the staff member holding it may."""
    if state not in ("returned", "closed"):
        raise ValueError(f"a handoff ends as returned or closed, not {state!r}")
    return _move(
        session,
        handoff_id,
        (Handoff.state == "held") & (Handoff.staff_user == staff_user),
        state=state,
        ended_at=now,
    )


def expire_if_unanswered(session: Session, handoff: Handoff, now: datetime, wait: timedelta) -> bool:
    """True, once, when the visitor has waited `wait` and nobody took the conversation."""
    if handoff.state != "waiting" or handoff.requested_at + wait > now:
        return False
    return _move(session, handoff.id, Handoff.state == "waiting", state="expired", ended_at=now)


def add_message(
    session: Session,
    handoff: Handoff,
    sender: str,
    text: str,
    now: datetime,
    staff_user: str | None = None,
    red_flag: bool = False,
) -> HandoffMessage:
    if sender not in SENDERS:
        raise ValueError(f"unknown sender {sender!r}")
    message = HandoffMessage(
        handoff_id=handoff.id,
        sender=sender,
        staff_user=staff_user,
        text=text[:MAX_TEXT],
        red_flag=red_flag,
        created_at=now,
    )
    session.add(message)
    if sender == "staff":
        handoff.staff_typing_at = None  # the message is sent: no longer typing
    session.flush()
    return message


def add_visitor_message(session: Session, handoff: Handoff, text: str, now: datetime) -> str | None:
    """The visitor's message, kept for staff; a red flag is marked and gets the emergency reply at once
    (returned, and kept as the bot's), whoever holds the chat and on every channel."""
    flagged = red_flag(text) is not None
    add_message(session, handoff, "visitor", text, now, red_flag=flagged)
    if not flagged:
        return None
    emergency = emergency_text(text, language=conversation_language(handoff.conversation_id))
    add_message(session, handoff, "bot", emergency, now)
    return emergency


def messages_after(session: Session, handoff_id: int, after_id: int = 0) -> list[HandoffMessage]:
    return list(
        session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after_id)
            .order_by(HandoffMessage.id)
        )
    )


def set_staff_typing(session: Session, handoff: Handoff, now: datetime) -> None:
    handoff.staff_typing_at = now


def staff_typing(handoff: Handoff, now: datetime) -> bool:
    return handoff.staff_typing_at is not None and now - handoff.staff_typing_at < TYPING_FOR


def latest_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """The conversation's most recent handoff, active or ended (what the widget last saw)."""
    return session.scalars(
        select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()).limit(1)
    ).first()


def handoff_turns(session: Session, conversation_id: str) -> list[dict[str, Any]]:
    """Every turn of the conversation's handoffs, for the transcript stored with a request (staff
    notes are internal and left out)."""
    rows = session.execute(
        select(HandoffMessage)
        .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
        .where(Handoff.conversation_id == conversation_id, HandoffMessage.sender != "note")
        .order_by(HandoffMessage.created_at, HandoffMessage.id)
    ).scalars()
    return [
        {
            "sender": row.sender,
            "text": row.text,
            "timestamp": row.created_at.timestamp(),
            **({"staff_user": row.staff_user} if row.staff_user else {}),
        }
        for row in rows
    ]
