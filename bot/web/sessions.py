"""Staff sessions: a random token in the cookie, the session itself in the database.

The database row (bot.store.staff) is what makes a session live, so logging out, disabling a user and
both time limits end it on every web server sharing the database; nothing is held in memory. The CSRF
token is derived from the session token, so it is bound to the session and dies with it.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from bot.web.tokens import mac

COOKIE = "prl_staff"
IDLE_TIMEOUT = timedelta(minutes=15)
# A working day and a bit: a session left open on a shared desk ends overnight even if kept busy.
LIFETIME = timedelta(hours=12)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def token_from_cookie(cookie: str | None) -> str | None:
    """The session token a cookie carries, or None when it cannot be one (missing, malformed,
    non-ASCII): such a cookie is simply no session."""
    return cookie if cookie and _TOKEN.fullmatch(cookie) else None


@dataclass(frozen=True)
class StaffSession:
    """A live session as the dashboard's handlers see it: its token, and the CSRF token bound to it."""

    token: str

    def csrf_token(self, secret: str) -> str:
        return mac(secret, "csrf", self.token, size=32)


def login_csrf(secret: str, nonce: str) -> str:
    """The login form's CSRF token, bound to a random nonce cookie set with the form."""
    return mac(secret, "login", nonce, size=32)


def tokens_match(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())
