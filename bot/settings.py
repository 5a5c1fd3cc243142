"""The one place settings come from: the environment, with `.env` loaded once by python-dotenv.

Every process (launcher, action server, staff CLI, tests) calls `get_settings()`; nothing reads
`os.environ` elsewhere, so a bad value is reported once, with the variable's name, at start-up.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from dotenv import load_dotenv

from bot.booking.hours import HoursError, OpeningHours, parse_hours
from bot.connectors.settings import (
    CHANNEL_VARIABLES,
    ChannelSettings,
    FacebookSettings,
    SlackSettings,
    TelegramSettings,
    TwilioSettings,
)
from bot.conversation.wording import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"

_DB_SCHEMES = ("sqlite", "postgresql")
_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}


def _weak(secret: str) -> bool:
    return secret.lower() in _PLACEHOLDER_SECRETS or len(secret) < 32


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and fits on one line."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where staff notification e-mails go out (SMTP_HOST and STAFF_NOTIFY_EMAIL both set)."""

    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    starttls: bool
    recipient: str


@dataclass(frozen=True)
class LockStoreSettings:
    """Rasa's RedisLockStore, which several Rasa servers need so one conversation's turns stay in order."""

    host: str
    port: int
    db: int
    password: str | None
    use_ssl: bool


@dataclass(frozen=True)
class Settings:
    database_url: str
    tracker_database_url: str
    rasa_port: int
    action_port: int
    web_port: int
    web_host: str
    rasa_urls: tuple[str, ...]
    app_env: str
    practice_name: str
    practice_phone: str
    practice_email: str
    practice_hours: OpeningHours
    practice_hours_text: str
    practice_timezone: ZoneInfo
    phone_region: str
    secret_key: str | None  # generated into var/ in development when unset (bot.web.secret_key)
    widget_allowed_origins: tuple[str, ...]
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...]
    notify_webhook_url: str | None
    notify_webhook_secret: str | None
    smtp: SmtpSettings | None = None
    public_url: str = ""
    internal_host: str = "127.0.0.1"
    action_server_url: str = ""
    lock_store: LockStoreSettings | None = None
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    spool_dir: Path = VAR_DIR / "outbox" / "requests"
    action_server_token: str | None = None  # derived from SECRET_KEY when unset (bot.ops.runtime_config)
    handoff_wait: timedelta = timedelta(minutes=3)  # a visitor's wait for staff before the bot takes over
    languages: tuple[str, ...] = ("en",)  # one Rasa model and server each; the first is the default
    language_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # beyond the default's

    def rasa_urls_for(self, language: str) -> tuple[str, ...]:
        """The Rasa servers of `language` (the default language's are RASA_URLS)."""
        return self.language_urls.get(language) or self.rasa_urls

    def rasa_port_for(self, language: str) -> int:
        """Where the launcher starts `language`'s Rasa server: RASA_PORT, then the next ports."""
        return self.rasa_port + self.languages.index(language)

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def db_dialect(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def _sqlite_absolute(url: str) -> str:
    """Make `sqlite:///var/x.db` relative to the repo root, so every process finds the same file."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:":
            return prefix + str(ROOT / rest)
    return url


def _database_url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(name, "").strip() or default
    if "://" not in url:
        raise SettingsError(f"{name}: '{url}' is not a database URL (expected sqlite:///… or postgresql://…)")
    scheme = db_dialect(url)
    if scheme == "postgres":
        url = "postgresql" + url[len("postgres") :]
        scheme = "postgresql"
    if scheme not in _DB_SCHEMES:
        raise SettingsError(f"{name}: unknown database scheme '{scheme}' (use sqlite:/// or postgresql://)")
    return _sqlite_absolute(url)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 65536:
        raise SettingsError(f"{name}: '{raw}' is not a port number (1-65535)")
    return int(raw)


def _hours(text: str) -> OpeningHours:
    try:
        return parse_hours(text)
    except HoursError as error:
        raise SettingsError(f"PRACTICE_HOURS: {error}") from None


def _spool_variable(env: Mapping[str, str]) -> str:
    """SPOOL_DIR, or the name it had before (LOCAL_OUTBOX_DIR), with a warning, when only that is set."""
    if env.get("SPOOL_DIR", "").strip() or not env.get("LOCAL_OUTBOX_DIR", "").strip():
        return "SPOOL_DIR"
    warnings.warn(
        "LOCAL_OUTBOX_DIR is now called SPOOL_DIR: rename it (the old name still works)",
        FutureWarning,
        stacklevel=3,
    )
    return "LOCAL_OUTBOX_DIR"


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _networks(env: Mapping[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses or ranges (`10.0.0.0/8`): an ingress's pods change address, its range does not."""
    try:
        return tuple(ip_network(item, strict=False) for item in _list(env, name))
    except ValueError as error:
        raise SettingsError(f"{name}: {error}") from None


def _minutes(env: Mapping[str, str], name: str, default: str) -> timedelta:
    raw = env.get(name, "").strip() or default
    minutes = float(raw) if re.fullmatch(r"\d+(\.\d+)?|\.\d+", raw) else 0.0
    if not 0 < minutes <= 24 * 60:
        raise SettingsError(f"{name}: '{raw}' is not a number of minutes above 0, up to 1440 (e.g. 3 or 0.5)")
    return timedelta(minutes=minutes)


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _local_path(env: Mapping[str, str], name: str, default: str) -> Path:
    """A path setting; relative paths are taken from the repo root, like SQLite URLs."""
    path = Path(env.get(name, "").strip() or default).expanduser()
    return path if path.is_absolute() else ROOT / path


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build settings from a mapping (the environment); raises SettingsError on the first bad value."""
    app_env = env.get("APP_ENV", "").strip().lower() or "development"
    if app_env not in ("development", "production", "test"):
        raise SettingsError(f"APP_ENV: '{app_env}' is not one of development, production, test")

    rasa_port = _port(env, "RASA_PORT", 5005)
    languages = _languages(env)
    urls = {
        language: _urls(env, f"RASA_URLS_{language.upper()}" if index else "RASA_URLS", rasa_port + index)
        for index, language in enumerate(languages)
    }
    rasa_urls = urls.pop(languages[0])

    timezone_name = env.get("PRACTICE_TIMEZONE", "").strip() or "America/New_York"
    try:
        timezone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"PRACTICE_TIMEZONE: unknown time zone '{timezone_name}'") from None

    region = (env.get("PHONE_REGION", "").strip() or "US").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingsError(f"PHONE_REGION: '{region}' is not a two-letter region code like US or GB")

    hours_text = env.get("PRACTICE_HOURS", "").strip() or "Mon-Fri 08:00-17:00"
    secret_key = _optional(env, "SECRET_KEY")
    if app_env == "production" and (
        secret_key is None or secret_key.lower() in _PLACEHOLDER_SECRETS or len(secret_key) < 32
    ):
        raise SettingsError("SECRET_KEY: production needs a random secret of at least 32 characters")

    action_server_token = _optional(env, "ACTION_SERVER_TOKEN")
    if app_env == "production" and (action_server_token is None or _weak(action_server_token)):
        raise SettingsError("ACTION_SERVER_TOKEN: production needs a random secret of at least 32 characters")
    if action_server_token and not re.fullmatch(r"[!-~]+", action_server_token):
        raise SettingsError("ACTION_SERVER_TOKEN: use printable ASCII without spaces (it is an HTTP header)")

    webhook_url = _optional(env, "NOTIFY_WEBHOOK_URL")
    webhook_secret = _optional(env, "NOTIFY_WEBHOOK_SECRET")
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise SettingsError(f"NOTIFY_WEBHOOK_URL: '{webhook_url}' is not an http(s) URL")
    if webhook_url and not webhook_secret:
        raise SettingsError("NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set")

    web_port = _port(env, "WEB_PORT", 8000)
    public_url = (_optional(env, "PUBLIC_URL") or f"http://127.0.0.1:{web_port}").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise SettingsError(f"PUBLIC_URL: '{public_url}' is not an http(s) URL")
    practice_email = env.get("PRACTICE_EMAIL", "").strip() or "office@practice.example"
    action_port = _port(env, "ACTION_PORT", 5055)
    action_server_url = _optional(env, "ACTION_SERVER_URL") or f"http://127.0.0.1:{action_port}/webhook"
    if not action_server_url.startswith(("http://", "https://")):
        raise SettingsError(f"ACTION_SERVER_URL: '{action_server_url}' is not an http(s) URL")
    channels = _channels(env)
    if channels.telegram and app_env == "production" and not public_url.startswith("https://"):
        raise SettingsError("PUBLIC_URL: Telegram delivers only to an https:// address")
    return Settings(
        database_url=_database_url(env, "DATABASE_URL", "sqlite:///var/appointments.db"),
        tracker_database_url=_database_url(env, "TRACKER_DATABASE_URL", "sqlite:///var/tracker.db"),
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        web_host=env.get("WEB_HOST", "").strip() or "127.0.0.1",
        rasa_urls=rasa_urls,
        app_env=app_env,
        practice_name=env.get("PRACTICE_NAME", "").strip() or "Our Spine Practice",
        practice_phone=env.get("PRACTICE_PHONE", "").strip() or "(555) 010-0000",
        practice_email=practice_email,
        practice_hours=_hours(hours_text),
        practice_hours_text=hours_text,
        practice_timezone=timezone,
        phone_region=region,
        secret_key=secret_key,
        widget_allowed_origins=_list(env, "WIDGET_ALLOWED_ORIGINS"),
        trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
        notify_webhook_url=webhook_url,
        notify_webhook_secret=webhook_secret,
        smtp=_smtp(env, practice_email),
        public_url=public_url,
        internal_host=env.get("INTERNAL_HOST", "").strip() or "127.0.0.1",
        action_server_url=action_server_url,
        lock_store=_lock_store(_optional(env, "LOCK_STORE_URL")),
        channels=channels,
        spool_dir=_local_path(env, _spool_variable(env), "var/outbox/requests"),
        action_server_token=action_server_token,
        handoff_wait=_minutes(env, "HANDOFF_WAIT_MINUTES", "3"),
        languages=languages,
        language_urls=urls,
    )


def _languages(env: Mapping[str, str]) -> tuple[str, ...]:
    codes = tuple(code.lower() for code in _list(env, "LANGUAGES")) or LANGUAGES
    if any(code not in LANGUAGES for code in codes) or len(set(codes)) < len(codes):
        raise SettingsError(f"LANGUAGES: '{env['LANGUAGES']}' is not a list of distinct codes among en, es")
    return codes


def _urls(env: Mapping[str, str], name: str, port: int) -> tuple[str, ...]:
    urls = _list(env, name) or (f"http://127.0.0.1:{port}",)
    if bad := next((url for url in urls if not url.startswith(("http://", "https://"))), None):
        raise SettingsError(f"{name}: '{bad}' is not an http(s) URL")
    return urls


def _lock_store(url: str | None) -> LockStoreSettings | None:
    if url is None:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port or 6379
        db = int(parts.path.strip("/") or 0)
    except ValueError:
        raise SettingsError(f"LOCK_STORE_URL: '{parts.hostname}' has a bad port or database number") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise SettingsError("LOCK_STORE_URL: expected redis://[:password@]host:port/db")
    return LockStoreSettings(
        host=parts.hostname,
        port=port,
        db=db,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
    )


def _group(env: Mapping[str, str], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list | None:
    """A channel's values when any of its required variables is set; all of them must be."""
    values = [_optional(env, name) for name in required]
    if not any(values):
        return None
    for name, value in zip(required, values, strict=True):
        if not value:
            others = " and ".join(n for n in required if n != name)
            raise SettingsError(f"{name}: required with {others} to turn the channel on")
    return values + [_optional(env, name) for name in optional]


def _channels(env: Mapping[str, str]) -> ChannelSettings:
    slack, telegram, facebook, twilio = (_group(env, *CHANNEL_VARIABLES[name]) for name in CHANNEL_VARIABLES)
    if telegram and telegram[2] and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", telegram[2]):
        raise SettingsError("TELEGRAM_SECRET_TOKEN: use 1-256 letters, digits, '_' or '-'")
    return ChannelSettings(
        slack=SlackSettings(*slack) if slack else None,
        telegram=TelegramSettings(*telegram) if telegram else None,
        facebook=FacebookSettings(*facebook) if facebook else None,
        twilio=TwilioSettings(*twilio) if twilio else None,
    )


def _smtp(env: Mapping[str, str], practice_email: str) -> SmtpSettings | None:
    host, recipient = _optional(env, "SMTP_HOST"), _optional(env, "STAFF_NOTIFY_EMAIL")
    if not host and not recipient:
        return None
    if not host:
        raise SettingsError("SMTP_HOST: required when STAFF_NOTIFY_EMAIL is set")
    if not recipient:
        raise SettingsError("STAFF_NOTIFY_EMAIL: required when SMTP_HOST is set")
    if "@" not in recipient:
        raise SettingsError(f"STAFF_NOTIFY_EMAIL: '{recipient}' is not an e-mail address")
    port = _port(env, "SMTP_PORT", 587)
    starttls = env.get("SMTP_STARTTLS", "").strip().lower() or ("false" if port == 25 else "true")
    if starttls not in ("true", "false"):
        raise SettingsError(f"SMTP_STARTTLS: '{starttls}' is not true or false")
    return SmtpSettings(
        host=host,
        port=port,
        username=_optional(env, "SMTP_USERNAME"),
        password=_optional(env, "SMTP_PASSWORD"),
        sender=_optional(env, "SMTP_FROM") or practice_email,
        starttls=starttls == "true",
        recipient=recipient,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process: `.env` (if any) under the environment, loaded on first use."""
    load_dotenv(ROOT / ".env", override=False)
    return load_settings(os.environ)
