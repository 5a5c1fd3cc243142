"""Each messaging-channel conversation's language, pinned at its first text message and shared by
every web server, so a Spanish conversation stays on the Spanish model (and an English one on English)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.schema import ChannelLanguage

MAX_SENDER_LENGTH = 128


def pinned_language(session: Session, channel: str, sender: str) -> str | None:
    """The language the sender's conversation on this channel was pinned to, if any."""
    query = select(ChannelLanguage.language).where(
        ChannelLanguage.channel == channel, ChannelLanguage.sender == _fitting(sender)
    )
    return session.execute(query).scalar_one_or_none()


def pin_language(session: Session, channel: str, sender: str, language: str, now: datetime) -> str:
    """Pin the conversation to `language` unless it is pinned already; the language it is pinned to.

    The insert runs in a savepoint: when two servers see a sender's first messages at once, one
    insert wins and the other server reads the winner's language, without spoiling its unit of work.
    """
    try:
        with session.begin_nested():
            session.add(
                ChannelLanguage(channel=channel, sender=_fitting(sender), language=language, created_at=now)
            )
    except IntegrityError:
        return pinned_language(session, channel, sender) or language
    return language


def purge_channel_languages(session: Session, cutoff: datetime) -> int:
    """Forget pins made before `cutoff` (a sender's id is personal data); the staff purge calls it."""
    result = session.execute(delete(ChannelLanguage).where(ChannelLanguage.created_at < cutoff))
    return result.rowcount or 0


def _fitting(sender: str) -> str:
    """Ids longer than the column are kept as their hash, which stays unique."""
    if len(sender) <= MAX_SENDER_LENGTH:
        return sender
    return "sha256:" + hashlib.sha256(sender.encode()).hexdigest()
