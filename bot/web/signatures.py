"""Is an inbound provider webhook genuine? One check per provider, as each documents it.

bot.web runs these before forwarding to Rasa, because Rasa checks only Slack's and Facebook's
signatures and neither Twilio's signature nor Telegram's secret token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from twilio.request_validator import RequestValidator

from bot.settings import Settings
from bot.web.secret_key import secret_key
from bot.web.tokens import mac

SLACK_MAX_AGE_S = 300


def telegram_secret_token(settings: Settings) -> str:
    """The token Telegram sends back in X-Telegram-Bot-Api-Secret-Token (configured, else derived)."""
    assert settings.channels.telegram is not None
    configured = settings.channels.telegram.secret_token
    return configured or mac(secret_key(settings), "telegram-webhook")


def telegram_is_genuine(expected: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(expected.encode(), header.encode())


def twilio_is_genuine(
    auth_token: str, url: str, params: Mapping[str, str] | Sequence[tuple[str, str]], signature: str | None
) -> bool:
    """Twilio signs the URL it called plus the sorted form fields (HMAC-SHA1, base64)."""
    if not signature:
        return False
    return RequestValidator(auth_token).validate(url, dict(params), signature)


def slack_is_genuine(
    signing_secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float
) -> bool:
    """Slack's v0 signature over `v0:<timestamp>:<body>`, refused when older than five minutes."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > SLACK_MAX_AGE_S:
        return False
    return hmac.compare_digest(slack_signature(signing_secret, timestamp, body), signature)


def slack_signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def facebook_is_genuine(app_secret: str, body: bytes, sha256: str | None, sha1: str | None) -> bool:
    """Meta signs the body with the app secret: X-Hub-Signature-256 (or the older SHA-1 header)."""
    for header, algorithm in ((sha256, hashlib.sha256), (sha1, hashlib.sha1)):
        if header:
            prefix, _, value = header.partition("=")
            if prefix != algorithm().name:
                return False
            expected = hmac.new(app_secret.encode(), body, algorithm).hexdigest()
            return hmac.compare_digest(expected, value)
    return False
