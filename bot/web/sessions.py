"""Staff sessions in a signed cookie, with idle expiry and a CSRF token bound to the session.

The cookie holds the user id, the user's session epoch (raised when the user is disabled or logs out
everywhere), when the session began and when it was last used; all signed with SECRET_KEY. Nothing
else is stored, so it works unchanged with several web servers sharing the key.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from bot.web.tokens import mac

COOKIE = "prl_staff"
IDLE_TIMEOUT_S = 15 * 60


@dataclass(frozen=True)
class StaffSession:
    user_id: int
    epoch: int
    started: int
    last_seen: int

    def encode(self, secret: str) -> str:
        body = f"{self.user_id}:{self.epoch}:{self.started}:{self.last_seen}"
        return f"{body}:{mac(secret, 'session', body, size=32)}"

    def touched(self, now: float | None = None) -> StaffSession:
        return StaffSession(
            self.user_id, self.epoch, self.started, int(now if now is not None else time.time())
        )

    def csrf_token(self, secret: str) -> str:
        return mac(secret, "csrf", str(self.user_id), str(self.epoch), str(self.started), size=32)


def new_session(user_id: int, epoch: int, now: float | None = None) -> StaffSession:
    moment = int(now if now is not None else time.time())
    return StaffSession(user_id, epoch, moment, moment)


def read_session(secret: str, cookie: str | None, now: float | None = None) -> StaffSession | None:
    """The session a cookie carries, or None if missing, forged, malformed or idle too long."""
    if not cookie or len(cookie) > 300:
        return None
    parts = cookie.split(":")
    if len(parts) != 5 or not all(p.isdigit() for p in parts[:4]):
        return None
    body, given = ":".join(parts[:4]), parts[4]
    if not hmac.compare_digest(given, mac(secret, "session", body, size=32)):
        return None
    session = StaffSession(*(int(p) for p in parts[:4]))
    if (now if now is not None else time.time()) - session.last_seen > IDLE_TIMEOUT_S:
        return None
    return session


def login_csrf(secret: str, nonce: str) -> str:
    """The login form's CSRF token, bound to a random nonce cookie set with the form."""
    return mac(secret, "login", nonce, size=32)


def tokens_match(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())
