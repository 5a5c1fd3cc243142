"""Settings built from a plain mapping: defaults, normalisation, and one-line errors naming the variable."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from dotenv import dotenv_values

from bot.booking.hours import OpeningHours
from bot.connectors.settings import CHANNEL_SETTING_NAMES
from bot.ops.runtime_config import action_server_token, rasa_environment
from bot.settings import ROOT, SettingsError, load_settings
from bot.web.secret_key import secret_key

GOOD_SECRET = "k" * 40


def test_defaults() -> None:
    settings = load_settings({})
    assert (settings.rasa_port, settings.action_port, settings.web_port) == (5005, 5055, 8000)
    assert settings.rasa_urls == ("http://127.0.0.1:5005",)
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'appointments.db'}"
    assert settings.tracker_database_url == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    assert settings.database_url.startswith("sqlite:////")  # an absolute path
    assert settings.practice_hours == OpeningHours(frozenset(range(5)), time(8), time(17))
    assert settings.practice_hours_text == "Mon-Fri 08:00-17:00"
    assert settings.practice_timezone == ZoneInfo("America/New_York")
    assert settings.phone_region == "US"
    assert settings.app_env == "development"
    assert not settings.is_production
    assert settings.secret_key is None
    assert settings.notify_webhook_url is None


def test_rasa_urls_follow_rasa_port() -> None:
    settings = load_settings({"RASA_PORT": "6000"})
    assert settings.rasa_port == 6000
    assert settings.rasa_urls == ("http://127.0.0.1:6000",)


def test_explicit_values_are_read() -> None:
    settings = load_settings(
        {
            "RASA_URLS": "http://a:5005, https://b:5005",
            "PHONE_REGION": "gb",
            "PRACTICE_TIMEZONE": "Europe/London",
            "APP_ENV": "Production",
            "SECRET_KEY": GOOD_SECRET,
            "ACTION_SERVER_TOKEN": GOOD_SECRET[::-1],
            "NOTIFY_WEBHOOK_URL": "https://hooks.example/new",
            "NOTIFY_WEBHOOK_SECRET": "s3cret",
        }
    )
    assert settings.rasa_urls == ("http://a:5005", "https://b:5005")
    assert settings.phone_region == "GB"
    assert settings.practice_timezone == ZoneInfo("Europe/London")
    assert settings.is_production
    assert settings.notify_webhook_url == "https://hooks.example/new"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"RASA_PORT": "abc"}, "RASA_PORT"),
        ({"RASA_PORT": "²"}, "RASA_PORT"),  # str.isdigit() says yes, int() says no
        ({"ACTION_PORT": "70000"}, "ACTION_PORT"),
        ({"WEB_PORT": "0"}, "WEB_PORT"),
        ({"WEB_PORT": "-1"}, "WEB_PORT"),
        ({"RASA_URLS": "localhost:5005"}, "RASA_URLS"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"TRACKER_DATABASE_URL": "mysql://x/y"}, "TRACKER_DATABASE_URL"),
        ({"PRACTICE_TIMEZONE": "Mars/Base"}, "PRACTICE_TIMEZONE"),
        ({"PRACTICE_TIMEZONE": "/etc/passwd"}, "PRACTICE_TIMEZONE"),
        ({"PHONE_REGION": "XX"}, "PHONE_REGION"),
        ({"PHONE_REGION": "United States"}, "PHONE_REGION"),
        ({"PRACTICE_HOURS": "whenever"}, "PRACTICE_HOURS"),
        ({"PRACTICE_HOURS": "Mon-Fri 17:00-08:00"}, "PRACTICE_HOURS"),
        ({"PRACTICE_HOURS": "Mon-Fri 08:00-25:00"}, "PRACTICE_HOURS"),
        ({"PRACTICE_HOURS": "Mon-Funday 08:00-17:00"}, "PRACTICE_HOURS"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"ACTION_SERVER_URL": "actions:5055/webhook"}, "ACTION_SERVER_URL"),
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "proxy.internal"}, "TRUSTED_PROXIES"),
        ({"LOCK_STORE_URL": "127.0.0.1:6379"}, "LOCK_STORE_URL"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:port/1"}, "LOCK_STORE_URL"),
        ({"LOCK_STORE_URL": "redis://127.0.0.1:6379/first"}, "LOCK_STORE_URL"),
        ({"HANDOFF_WAIT_MINUTES": "0"}, "HANDOFF_WAIT_MINUTES"),
        ({"HANDOFF_WAIT_MINUTES": "-1"}, "HANDOFF_WAIT_MINUTES"),
        ({"HANDOFF_WAIT_MINUTES": "three"}, "HANDOFF_WAIT_MINUTES"),
        ({"HANDOFF_WAIT_MINUTES": "nan"}, "HANDOFF_WAIT_MINUTES"),
        ({"HANDOFF_WAIT_MINUTES": "100000"}, "HANDOFF_WAIT_MINUTES"),
        ({"SLACK_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"TELEGRAM_BOT_NAME": "clinic_bot"}, "TELEGRAM_ACCESS_TOKEN"),
        (
            {"TELEGRAM_ACCESS_TOKEN": "1:a", "TELEGRAM_BOT_NAME": "b", "TELEGRAM_SECRET_TOKEN": "a b"},
            "TELEGRAM_SECRET_TOKEN",
        ),
        ({"FACEBOOK_VERIFY_TOKEN": "v", "FACEBOOK_APP_SECRET": "s"}, "FACEBOOK_PAGE_ACCESS_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_NUMBER": "+15550100000"}, "TWILIO_AUTH_TOKEN"),
        (
            {
                "APP_ENV": "production",
                "SECRET_KEY": "x" * 40,
                "ACTION_SERVER_TOKEN": "y" * 40,
                "TELEGRAM_ACCESS_TOKEN": "1:a",
                "TELEGRAM_BOT_NAME": "b",
                "PUBLIC_URL": "http://assistant.example",
            },
            "PUBLIC_URL",
        ),
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "change-me"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "CHANGEME"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "x" * 40}, "ACTION_SERVER_TOKEN"),
        (
            {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "ACTION_SERVER_TOKEN": "secret"},
            "ACTION_SERVER_TOKEN",
        ),
        ({"ACTION_SERVER_TOKEN": "with space"}, "ACTION_SERVER_TOKEN"),
        ({"NOTIFY_WEBHOOK_URL": "https://hooks.example/new"}, "NOTIFY_WEBHOOK_SECRET"),
        ({"NOTIFY_WEBHOOK_URL": "ftp://hooks.example", "NOTIFY_WEBHOOK_SECRET": "s"}, "NOTIFY_WEBHOOK_URL"),
    ],
)
def test_bad_values_raise_a_one_line_error_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(env)
    message = str(error.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


@pytest.mark.parametrize(("raw", "seconds"), [("", 180), ("3", 180), ("0.05", 3), (" 1.5 ", 90), (".5", 30)])
def test_the_handoff_wait_is_a_positive_number_of_minutes(raw: str, seconds: float) -> None:
    assert load_settings({"HANDOFF_WAIT_MINUTES": raw}).handoff_wait.total_seconds() == seconds


def test_production_accepts_a_real_secret() -> None:
    token = GOOD_SECRET[::-1]
    settings = load_settings(
        {"APP_ENV": "production", "SECRET_KEY": GOOD_SECRET, "ACTION_SERVER_TOKEN": token}
    )
    assert settings.secret_key == GOOD_SECRET
    assert secret_key(settings) == GOOD_SECRET
    assert action_server_token(settings) == token


def test_the_action_server_token_is_derived_from_the_secret_key_outside_production() -> None:
    first, second = (action_server_token(load_settings({"SECRET_KEY": key})) for key in "ab")
    assert first != second and len(first) >= 32
    assert action_server_token(load_settings({"SECRET_KEY": "a"})) == first


def test_development_does_not_need_a_secret_key() -> None:
    assert load_settings({"APP_ENV": "development", "SECRET_KEY": "change-me"}).app_env == "development"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db.internal/app", "postgresql://u:p@db.internal/app"),
        ("postgresql://u@db.internal/app", "postgresql://u@db.internal/app"),
        ("postgresql+psycopg2://u@db.internal/app", "postgresql+psycopg2://u@db.internal/app"),
        ("sqlite:////srv/data/app.db", "sqlite:////srv/data/app.db"),  # absolute: left alone
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("sqlite:///var/other.db", f"sqlite:///{ROOT / 'var' / 'other.db'}"),  # relative: under the repo
    ],
)
def test_database_urls_are_normalised(url: str, expected: str) -> None:
    settings = load_settings({"DATABASE_URL": url, "TRACKER_DATABASE_URL": url})
    assert settings.database_url == expected
    assert settings.tracker_database_url == expected


def test_channels_turn_on_when_their_variables_are_set() -> None:
    assert load_settings({}).channels.enabled() == []
    settings = load_settings(
        {
            "SLACK_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_NUMBER": "+15550100000",
        }
    )
    assert settings.channels.enabled() == ["slack", "twilio"]
    assert settings.channels.slack is not None and settings.channels.slack.channel is None


def test_lock_store_url() -> None:
    assert load_settings({}).lock_store is None
    lock = load_settings({"LOCK_STORE_URL": "rediss://:p%40ss@cache.internal:6380/2"}).lock_store
    assert lock is not None
    assert (lock.host, lock.port, lock.db, lock.password, lock.use_ssl) == (
        "cache.internal",
        6380,
        2,
        "p@ss",
        True,
    )


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite:///var/tracker.db", "sqlite"),
        ("postgres://u@db.internal/tracker", "postgresql"),
        ("postgresql+psycopg2://u@db.internal/tracker", "postgresql"),
    ],
)
def test_rasa_environment(url: str, dialect: str) -> None:
    settings = load_settings({"RASA_PORT": "6005", "ACTION_PORT": "6055", "TRACKER_DATABASE_URL": url})
    assert rasa_environment(settings) == {
        "ACTION_SERVER_URL": "http://127.0.0.1:6055/webhook",
        "TRACKER_DATABASE_URL": settings.tracker_database_url,
        "TRACKER_DB_DIALECT": dialect,
        "ACTION_SERVER_TOKEN": action_server_token(settings),
    }


def test_env_example_documents_every_setting_and_loads_as_is() -> None:
    path = ROOT / ".env.example"
    text = path.read_text()
    for name in (
        "DATABASE_URL",
        "TRACKER_DATABASE_URL",
        "RASA_PORT",
        "ACTION_PORT",
        "WEB_PORT",
        "WEB_HOST",
        "RASA_URLS",
        "APP_ENV",
        "PRACTICE_NAME",
        "PRACTICE_PHONE",
        "PRACTICE_EMAIL",
        "PRACTICE_HOURS",
        "PRACTICE_TIMEZONE",
        "PHONE_REGION",
        "SECRET_KEY",
        "WIDGET_ALLOWED_ORIGINS",
        "TRUSTED_PROXIES",
        "NOTIFY_WEBHOOK_URL",
        "NOTIFY_WEBHOOK_SECRET",
        "SMTP_HOST",
        "STAFF_NOTIFY_EMAIL",
        "SMTP_PORT",
        "SMTP_STARTTLS",
        "PUBLIC_URL",
        "INTERNAL_HOST",
        "ACTION_SERVER_URL",
        "LOCK_STORE_URL",
        "SPOOL_DIR",
        "HANDOFF_WAIT_MINUTES",
        "LANGUAGES",
        "RASA_URLS_ES",
        *CHANNEL_SETTING_NAMES,
    ):
        assert name in text, f"{name} is not documented in .env.example"
    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    settings = load_settings(values)
    assert settings.practice_phone == "(555) 010-0000"
    assert settings.rasa_port == 5005


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SMTP_HOST": "smtp.example.com"}, "STAFF_NOTIFY_EMAIL"),
        ({"STAFF_NOTIFY_EMAIL": "desk@clinic.example"}, "SMTP_HOST"),
        ({"SMTP_HOST": "smtp.example.com", "STAFF_NOTIFY_EMAIL": "not-an-address"}, "STAFF_NOTIFY_EMAIL"),
        (
            {"SMTP_HOST": "smtp.example.com", "STAFF_NOTIFY_EMAIL": "a@b.example", "SMTP_PORT": "x"},
            "SMTP_PORT",
        ),
        ({"PUBLIC_URL": "assistant.example"}, "PUBLIC_URL"),
    ],
)
def test_bad_notification_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}:"):
        load_settings(env)


def test_smtp_settings_with_defaults() -> None:
    smtp = load_settings({"SMTP_HOST": "smtp.example.com", "STAFF_NOTIFY_EMAIL": "desk@clinic.example"}).smtp
    assert smtp is not None
    assert (smtp.port, smtp.starttls, smtp.sender) == (587, True, "office@practice.example")
    assert load_settings({}).smtp is None


def test_both_languages_are_served_by_default_each_on_its_own_rasa_server() -> None:
    settings = load_settings({"RASA_PORT": "6000"})
    assert settings.languages == ("en", "es")
    assert settings.rasa_urls_for("en") == ("http://127.0.0.1:6000",)
    assert settings.rasa_urls_for("es") == ("http://127.0.0.1:6001",)
    assert (settings.rasa_port_for("en"), settings.rasa_port_for("es")) == (6000, 6001)


def test_a_language_is_turned_off_by_leaving_it_out_of_languages() -> None:
    settings = load_settings({"LANGUAGES": "en"})
    assert settings.languages == ("en",)
    assert settings.rasa_urls_for("es") == settings.rasa_urls  # a leftover Spanish id goes to English


def test_spanish_first_makes_it_the_default_on_rasa_urls() -> None:
    settings = load_settings(
        {"LANGUAGES": " ES , en", "RASA_URLS": "http://es:5005", "RASA_URLS_EN": "http://en:5005"}
    )
    assert settings.languages == ("es", "en")
    assert settings.rasa_urls_for("es") == ("http://es:5005",)
    assert settings.rasa_urls_for("en") == ("http://en:5005",)


@pytest.mark.parametrize("value", ["fr", "en,en", "en,es,de"])
def test_languages_outside_the_served_ones_are_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="LANGUAGES: "):
        load_settings({"LANGUAGES": value})


def test_a_bad_spanish_rasa_url_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="RASA_URLS_ES: 'es:5005' is not an http"):
        load_settings({"RASA_URLS_ES": "es:5005"})
