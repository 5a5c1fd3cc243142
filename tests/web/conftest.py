"""Fixtures shared by the staff pages' tests."""

from __future__ import annotations

import pytest

from bot.settings import get_settings
from bot.staff.passwords import hash_password
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.staff import create_user

PASSWORD = "a long staff password"


@pytest.fixture
def uow() -> UnitOfWork:
    """The migrated test store with one staff user, alice (modules that need others define their own)."""
    url = get_settings().database_url
    upgrade(url)
    store = UnitOfWork(make_engine(url))
    with store() as session:
        create_user(session, "alice", hash_password(PASSWORD))
    return store
