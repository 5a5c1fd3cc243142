"""Rate limits: sliding windows for /chat (in memory), the staff login policy, and who the client is.

The /chat windows are per web process: with several web servers each keeps its own, which still stops
a single client flooding the proxy. Failed staff logins are counted in the database instead
(bot.store.staff), so every web server sees the same count.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

# Failed logins: 5 per account from one client in 15 minutes lock that pair only, so an attacker
# elsewhere (or guessing another account) never locks a member of staff out. Past 10 failures on an
# account from all clients together, each further attempt on it waits ACCOUNT_DELAY_S before the
# password is checked: it slows guessing spread over many clients, and still lets the right password in.
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_FAILURES_PER_CLIENT = 5
ACCOUNT_SLOW_AFTER = 10
ACCOUNT_DELAY_S = 2.0


def is_trusted_proxy(trusted: tuple[IPv4Network | IPv6Network, ...], host: str) -> bool:
    """Whether `host` is one of our own proxies (TRUSTED_PROXIES), whose X-Forwarded-For we believe."""
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)


def client_network(address: str) -> str:
    """The key rate limits count a client under: its IPv4 address (IPv4-mapped IPv6 included), or its
    IPv6 /64, which one subscriber holds whole, so changing the low 64 bits is still the same client."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def login_delay(account_failures: int) -> float:
    """Seconds a login attempt on an account waits, given its failures from every client."""
    return ACCOUNT_DELAY_S if account_failures >= ACCOUNT_SLOW_AFTER else 0.0


class RateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count a hit for `key`; False once it exceeds the limit within the window."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 50_000:  # forget idle keys so memory stays bounded
            for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
                del self._hits[stale]
        return True

    def retry_after(self, key: str) -> int:
        hits = self._hits.get(key)
        if not hits:
            return 0
        return max(1, int(hits[0] + self.window_s - self._clock()) + 1)
