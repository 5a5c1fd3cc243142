"""Signed conversation ids and button payloads, so the widget's state is ours to trust.

A conversation id is random and comes with an HMAC, so a visitor can neither choose nor guess
another's. Buttons the bot offered carry an HMAC of (conversation id, payload): only those payloads
can be sent back, so `/intent{...}` commands cannot be injected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_ID_BYTES = 18
MAX_TOKEN_LENGTH = 200


def mac(secret: str, *parts: str, size: int = 24) -> str:
    """HMAC-SHA256 of the parts (joined by a separator no part contains), URL-safe, `size` bytes."""
    digest = hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:size]).decode().rstrip("=")


def new_conversation(secret: str) -> tuple[str, str]:
    """A fresh conversation id and its token."""
    conversation = "web-" + secrets.token_urlsafe(_ID_BYTES)
    return conversation, f"{conversation}.{mac(secret, 'conversation', conversation)}"


def conversation_of(secret: str, token: str | None) -> str | None:
    """The conversation id a token carries, or None if it is missing, malformed or forged."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    conversation, given = token.split(".")
    if not conversation.startswith("web-"):
        return None
    return conversation if _same(given, mac(secret, "conversation", conversation)) else None


def sign_payload(secret: str, conversation: str, payload: str) -> str:
    return mac(secret, "payload", conversation, payload)


def payload_is_genuine(secret: str, conversation: str, payload: str, signature: str) -> bool:
    return _same(signature or "", sign_payload(secret, conversation, payload))


def _same(given: str, expected: str) -> bool:
    """Constant-time equality; a non-ASCII `given` (which compare_digest refuses) is never a MAC."""
    return given.isascii() and hmac.compare_digest(given, expected)
