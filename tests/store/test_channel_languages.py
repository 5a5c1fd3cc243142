"""A channel conversation's language: pinned once, read by every server, forgotten by the purge."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.store.channel_languages import pin_language, pinned_language, purge_channel_languages
from bot.store.db import UnitOfWork
from bot.store.schema import ChannelLanguage

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def test_a_pin_is_made_once_and_kept(uow: UnitOfWork) -> None:
    sender = f"+1212{uuid.uuid4().int % 10**7:07d}"
    with uow() as session:
        assert pinned_language(session, "twilio", sender) is None
        assert pin_language(session, "twilio", sender, "es", NOW) == "es"
        assert pin_language(session, "twilio", sender, "en", NOW) == "es"  # the unit of work goes on
        assert pinned_language(session, "twilio", sender) == "es"
    with uow() as session:
        assert pinned_language(session, "twilio", sender) == "es"
        assert pinned_language(session, "telegram", sender) is None  # per channel
        assert pin_language(session, "telegram", sender, "en", NOW) == "en"


def test_a_later_pin_keeps_the_first_servers_language(uow: UnitOfWork) -> None:
    sender = f"U{uuid.uuid4().hex}"
    with uow() as session:
        assert pin_language(session, "slack", sender, "es", NOW) == "es"
    with uow() as session:  # another server, which saw no pin when it began
        assert pin_language(session, "slack", sender, "en", NOW + timedelta(seconds=1)) == "es"


def test_long_sender_ids_fit(uow: UnitOfWork) -> None:
    sender = "psid-" + uuid.uuid4().hex * 10
    with uow() as session:
        assert pin_language(session, "facebook", sender, "es", NOW) == "es"
    with uow() as session:
        assert pinned_language(session, "facebook", sender) == "es"
        assert pinned_language(session, "facebook", sender[:-1]) is None


def test_old_pins_are_purged(uow: UnitOfWork) -> None:
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    cutoff = NOW - timedelta(days=365)
    with uow() as session:
        pin_language(session, "telegram", old, "es", cutoff - timedelta(minutes=1))
        pin_language(session, "telegram", recent, "es", cutoff + timedelta(minutes=1))
    with uow() as session:
        assert purge_channel_languages(session, cutoff) >= 1
    with uow() as session:
        kept = select(ChannelLanguage.sender).where(ChannelLanguage.sender.in_([old, recent]))
        assert list(session.execute(kept).scalars()) == [recent]
        created = session.execute(select(ChannelLanguage.created_at).where(ChannelLanguage.sender == recent))
        assert created.scalar_one() == cutoff + timedelta(minutes=1)  # aware, UTC, on both backends
