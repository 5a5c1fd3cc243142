"""Shared fixtures: isolated settings, a fresh migrated SQLite store, and what the suite ran against."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.bench.scripts import preferred_day
from bot.booking.hours import parse_hours
from bot.connectors.settings import CHANNEL_SETTING_NAMES
from bot.ops.training import ensure_models
from bot.settings import get_settings
from bot.store.db import UnitOfWork, create_database, drop_database, make_engine
from bot.store.migrate import upgrade

# Settings every test sees, whatever the developer's .env or shell holds.
TEST_ENV = {
    "APP_ENV": "test",
    "PRACTICE_NAME": "Test Spine Clinic",
    "PRACTICE_PHONE": "(555) 010-0101",
    "PRACTICE_EMAIL": "desk@clinic.example",
    "PRACTICE_HOURS": "Mon-Fri 08:00-17:00",
    "PRACTICE_TIMEZONE": "America/New_York",
    "PHONE_REGION": "US",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-0123456789",
}
SETTING_NAMES = (
    "DATABASE_URL",
    "TRACKER_DATABASE_URL",
    "RASA_PORT",
    "ACTION_PORT",
    "WEB_HOST",
    "WEB_PORT",
    "RASA_URLS",
    "SECRET_KEY",
    "WIDGET_ALLOWED_ORIGINS",
    "TRUSTED_PROXIES",
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_WEBHOOK_SECRET",
    "STAFF_NOTIFY_EMAIL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_STARTTLS",
    "PUBLIC_URL",
    "INTERNAL_HOST",
    "ACTION_SERVER_URL",
    "LOCK_STORE_URL",
    "ACTION_SERVER_TOKEN",
    "SPOOL_DIR",
    "HANDOFF_WAIT_MINUTES",
    "LANGUAGES",
    "RASA_URLS_ES",
    "LOCAL_OUTBOX_DIR",  # its old name, still read
    *CHANNEL_SETTING_NAMES,
)


def next_open_day(after: date | None = None) -> date:
    """A weekday the test practice is open, a few days ahead, so date tests pass on any day."""
    today = after or datetime.now(ZoneInfo(TEST_ENV["PRACTICE_TIMEZONE"])).date()
    return preferred_day(today, parse_hours(TEST_ENV["PRACTICE_HOURS"]))


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'appointments.db'}")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("SPOOL_DIR", str(tmp_path / "outbox"))
    monkeypatch.setattr("bot.settings.load_dotenv", lambda *a, **k: False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def sqlite_uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield UnitOfWork(engine)
    engine.dispose()


# A request for someone else, with an extension and the visitor's own words (issue 14, item 6).
FOR_SOMEONE_ELSE = {
    "phone_extension": "7",
    "reason": "sciatica",
    "reason_text": "sciatica down my left leg",
    "patient_name": "Rosa",
    "patient_relation": "mother",
}
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
_postgres_report: list[str] = []


def _postgres_server() -> tuple[str | None, str]:
    """TEST_DATABASE_URL (mandatory when set), else a local PostgreSQL if one answers."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url, ""
    engine = create_engine(LOCAL_POSTGRES, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_POSTGRES, ""
    except OperationalError:
        return None, "TEST_DATABASE_URL is not set and no PostgreSQL answers on 127.0.0.1:5432"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private, migrated database on the real PostgreSQL server, dropped after the session."""
    server, why_not = _postgres_server()
    if server is None:
        _postgres_report.append(f"PostgreSQL store tests did NOT run: {why_not}")
        pytest.skip(why_not)
    url = create_database(server, "bot_test")
    upgrade(url)
    _postgres_report.append(
        f"PostgreSQL store tests ran against {make_url(server).render_as_string(hide_password=True)}"
    )
    yield url
    drop_database(server, url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in dict.fromkeys(_postgres_report):
        terminalreporter.write_line(line, bold=True)


@pytest.fixture(scope="session")
def trained_models() -> dict[str, Path]:
    """Each language's model for the current training data, trained once if its data changed."""
    return ensure_models(("en", "es"))


@pytest.fixture(scope="session")
def trained_model(trained_models: dict[str, Path]) -> Path:
    """The English model (the default language's)."""
    return trained_models["en"]
