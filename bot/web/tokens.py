"""Signed conversation ids and button payloads, so the widget's state is ours to trust.

A conversation id is random and comes with an HMAC and the time it was issued, so a visitor can
neither choose nor guess another's, and a token left in a browser stops working a day after the
conversation's last reply. Buttons the bot offered carry an HMAC of (conversation id, payload):
only those payloads can be sent back, so `/intent{...}` commands cannot be injected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from bot.conversation.language import conversation_language

TOKEN_HEADER = "X-Conversation-Token"  # the widget sends it: a cookie is blocked when embedded elsewhere
_ID_BYTES = 18
MAX_TOKEN_LENGTH = 200
# A conversation token lasts a day after the last reply: /chat re-issues it with every answer, so a
# visitor mid-booking is never cut off, and one who comes back later starts a new conversation.
TOKEN_LIFETIME_S = 24 * 3600


def mac(secret: str, *parts: str, size: int = 24) -> str:
    """HMAC-SHA256 of the parts (joined by a separator no part contains), URL-safe, `size` bytes."""
    digest = hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:size]).decode().rstrip("=")


def token_for(secret: str, conversation: str, now: float | None = None) -> str:
    """A token for an existing conversation, valid for TOKEN_LIFETIME_S from `now`."""
    issued = str(int(time.time() if now is None else now))
    return f"{conversation}.{issued}.{mac(secret, 'conversation', conversation, issued)}"


def new_conversation(secret: str, now: float | None = None, language: str = "en") -> tuple[str, str]:
    """A fresh conversation id and its token. The id names a language other than English
    (`web-es-…`), so the conversation stays with its language's model and every process can tell it."""
    while True:
        random = secrets.token_urlsafe(_ID_BYTES)
        if language != "en" or conversation_language("web-" + random) == "en":
            break
    conversation = "web-" + (f"{language}-" if language != "en" else "") + random
    return conversation, token_for(secret, conversation, now)


def _genuine(secret: str, token: str | None) -> tuple[str, int] | None:
    """(conversation, issued) of a token we signed, expired or not; None if missing, malformed or forged."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    conversation, issued, given = token.split(".")
    if not conversation.startswith("web-") or not (issued.isascii() and issued.isdigit()):
        return None
    if not _same(given, mac(secret, "conversation", conversation, issued)):
        return None
    return conversation, int(issued)


def conversation_of(secret: str, token: str | None, now: float | None = None) -> str | None:
    """The conversation id a token carries, or None if it is missing, malformed, forged or expired."""
    genuine = _genuine(secret, token)
    if genuine is None:
        return None
    conversation, issued = genuine
    age = (time.time() if now is None else now) - issued
    # A minute of grace for issue times ahead of this clock (another web server's).
    return conversation if -60 <= age < TOKEN_LIFETIME_S else None


def token_expired(secret: str, token: str | None, now: float | None = None) -> bool:
    """True for a token we signed whose lifetime is over (the visitor is told, not just reset)."""
    return _genuine(secret, token) is not None and conversation_of(secret, token, now) is None


def sign_payload(secret: str, conversation: str, payload: str) -> str:
    return mac(secret, "payload", conversation, payload)


def payload_is_genuine(secret: str, conversation: str, payload: str, signature: str) -> bool:
    return _same(signature or "", sign_payload(secret, conversation, payload))


def _same(given: str, expected: str) -> bool:
    """Constant-time equality; a non-ASCII `given` (which compare_digest refuses) is never a MAC."""
    return given.isascii() and hmac.compare_digest(given, expected)
