"""What Rasa processes run with: their environment, and the endpoints and credentials files written
into var/ from the settings.

Rasa stops on an unset `${VAR}` and has no optional sections, so what depends on the settings (the
Redis lock store, the messaging channels) is added to copies of `endpoints.yml` and `credentials.yml`
here. The copies hold secrets, so they are private to the owner and never committed; they are named
by their content so stacks started side by side never overwrite each other's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import time
from pathlib import Path
from typing import Any

import yaml

from bot.settings import ROOT, VAR_DIR, Settings, db_dialect
from bot.web.secret_key import secret_key
from bot.web.signatures import telegram_secret_token

RUNTIME_DIR = VAR_DIR / "rasa"
KEEP_S = 24 * 3600
TWILIO_CONNECTOR = "bot.connectors.twilio.NumberedTwilioInput"
TELEGRAM_CONNECTOR = "bot.connectors.telegram.SecretTokenTelegramInput"
SLACK_CONNECTOR = "bot.connectors.namespace.NamespacedSlackInput"
FACEBOOK_CONNECTOR = "bot.connectors.namespace.NamespacedFacebookInput"


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Variables that `endpoints.yml` and `credentials.yml` reference.

    Rasa substitutes `${VAR}` itself but never reads `.env` and has no defaults, so whoever
    starts Rasa exports these (defaults included).
    """
    return {
        "ACTION_SERVER_URL": settings.action_server_url,
        "TRACKER_DATABASE_URL": settings.tracker_database_url,
        "TRACKER_DB_DIALECT": db_dialect(settings.tracker_database_url),
        "ACTION_SERVER_TOKEN": action_server_token(settings),
    }


def action_server_token(settings: Settings) -> str:
    """The secret Rasa sends the action server in `X-Action-Server-Token`: configured (required in
    production), else derived from the secret key, so development needs no extra setting."""
    if settings.action_server_token:
        return settings.action_server_token
    key = secret_key(settings).encode()
    return hmac.new(key, b"action-server-token", hashlib.sha256).hexdigest()


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / name).read_text()) or {}


def endpoints(settings: Settings) -> dict[str, Any]:
    config = _load("endpoints.yml")
    lock = settings.lock_store
    if lock:
        config["lock_store"] = {
            "type": "redis",
            "url": lock.host,
            "port": lock.port,
            "db": lock.db,
            "use_ssl": lock.use_ssl,
            "key_prefix": "prl",
            "socket_timeout": 3,  # a silent Redis fails the turn in seconds (Rasa's default is 10)
            **({"password": lock.password} if lock.password else {}),
        }
    return config


def credentials(settings: Settings) -> dict[str, Any]:
    config = _load("credentials.yml")
    channels = settings.channels
    if channels.slack:
        config[SLACK_CONNECTOR] = {
            "slack_token": channels.slack.token,
            "slack_signing_secret": channels.slack.signing_secret,
            **({"slack_channel": channels.slack.channel} if channels.slack.channel else {}),
        }
    if channels.telegram:
        config[TELEGRAM_CONNECTOR] = {
            "access_token": channels.telegram.access_token,
            "verify": channels.telegram.bot_name,
            "webhook_url": f"{settings.public_url}/webhooks/telegram/webhook",
            "secret_token": telegram_secret_token(settings),
        }
    if channels.facebook:
        config[FACEBOOK_CONNECTOR] = {
            "verify": channels.facebook.verify_token,
            "secret": channels.facebook.app_secret,
            "page-access-token": channels.facebook.page_access_token,
        }
    if channels.twilio:
        config[TWILIO_CONNECTOR] = {
            "account_sid": channels.twilio.account_sid,
            "auth_token": channels.twilio.auth_token,
            "twilio_number": channels.twilio.number,
        }
    return config


def _write(kind: str, config: dict[str, Any]) -> Path:
    text = yaml.safe_dump(config, sort_keys=False)
    path = RUNTIME_DIR / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yml"
    if not path.exists():
        RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
        _prune(kind)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(text)
        os.replace(partial, path)
    return path


def _prune(kind: str) -> None:
    """Drop copies older than a day: Rasa reads its copy only at start, and old ones may hold old secrets."""
    cutoff = time.time() - KEEP_S
    for old in RUNTIME_DIR.glob(f"{kind}-*.yml"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()


def write_runtime_files(settings: Settings) -> tuple[Path, Path]:
    """(endpoints, credentials) for `rasa run`."""
    return _write("endpoints", endpoints(settings)), _write("credentials", credentials(settings))
