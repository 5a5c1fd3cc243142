"""bot.web's way to the Rasa servers: which servers a conversation goes to, in which language, and
what to do when they fail; and who the visitor is, for the rate limits."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request

from bot.conversation.language import conversation_language, opening_language
from bot.conversation.wording import normal_language
from bot.settings import Settings
from bot.web.limits import RateLimiter, client_network, is_trusted_proxy
from bot.web.tokens import new_conversation

logger = logging.getLogger(__name__)


@dataclass
class Proxy:
    """What /chat needs: settings, the secret, rate limits and one shared HTTP client."""

    settings: Settings
    secret: str
    per_conversation: RateLimiter
    per_client: RateLimiter
    client: httpx.AsyncClient | None = None
    # /chat/events: a waiting widget asks every 20 s or so, at once again after each answer.
    events_per_conversation: RateLimiter = field(default_factory=lambda: RateLimiter(limit=30, window_s=60))
    events_per_client: RateLimiter = field(default_factory=lambda: RateLimiter(limit=300, window_s=60))

    def rasa_order(self, conversation: str, language: str | None = None) -> list[str]:
        """Every Rasa server of the conversation's language (or of `language`, when given), starting with
        its own (sticky, so turns stay in order). A language no longer served goes to the default's."""
        urls = list(self.settings.rasa_urls_for(language or self.language(conversation)))
        start = int(hashlib.sha256(conversation.encode()).hexdigest(), 16) % len(urls)
        return urls[start:] + urls[:start]

    async def ask_rasa(
        self,
        key: str,
        method: str,
        path: str,
        retry_statuses: tuple[int, ...] = (),
        language: str | None = None,
        **request: Any,
    ) -> httpx.Response | None:
        """The answer of the first Rasa server (this key's own first) that takes the request; None when
        none does, or when one fails after taking it: it may still handle the message, and another
        server would handle it twice. `retry_statuses` are answers that mean "not delivered"."""
        assert self.client is not None
        for base in self.rasa_order(key, language):
            try:
                response = await self.client.request(method, f"{base}{path}", **request)
            except httpx.ConnectError as error:
                logger.warning("Rasa at %s unreachable on %s: %s", base, path, type(error).__name__)
                continue
            except httpx.TransportError as error:
                logger.warning("Rasa at %s failed on %s: %s", base, path, type(error).__name__)
                return None
            if response.status_code in retry_statuses:
                logger.warning("Rasa at %s answered %s", base, response.status_code)
                continue
            return response
        return None

    async def forward(self, conversation: str, message: str) -> list[dict[str, Any]] | None:
        """Rasa's answer, or None when no server answers usefully (down, slow, empty)."""
        response = await self.ask_rasa(
            conversation,
            "POST",
            "/webhooks/rest/webhook",
            retry_statuses=(502, 503, 504),
            json={"sender": conversation, "message": message},
        )
        if response is None:
            return None
        if response.status_code != 200:
            logger.warning("Rasa answered %s", response.status_code)
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, list) and answer else None

    def language(self, conversation: str) -> str:
        language = conversation_language(conversation)
        return language if language in self.settings.languages else self.settings.languages[0]

    def language_for_new(self, asked: Any, first_message: str | None) -> str:
        """A new conversation's language: Spanish when its first message clearly is, else the widget's
        (its data-lang, the page's or the browser's), else the first of LANGUAGES."""
        asked = normal_language(asked) if isinstance(asked, str) and asked.strip() else None
        return opening_language(first_message, self.settings.languages, asked)

    async def switch_language(
        self, conversation: str, message: str, answer: list[dict[str, Any]]
    ) -> tuple[str, str, list[dict[str, Any]] | None] | None:
        """A visitor who started in English and writes Spanish continues with the Spanish model, in a
        new conversation (the English model says so with `switch_language`, action_spanish_notice);
        None when there is nothing to switch, or Spanish is not served (its English answer stands)."""
        asked = next(
            (
                m["custom"].get("switch_language")
                for m in answer
                if isinstance(m.get("custom"), dict) and m["custom"].get("switch_language")
            ),
            None,
        )
        if asked not in self.settings.languages or asked == self.language(conversation):
            return None
        switched, _ = new_conversation(self.secret, language=asked)
        return switched, asked, await self.forward(switched, message)

    def client_key(self, request: Request) -> str:
        """The key a client is limited under (its IPv4 address or IPv6 /64, client_network)."""
        return client_network(self.client_address(request))

    def client_address(self, request: Request) -> str:
        """The visitor's address: X-Forwarded-For read from the right, past our own proxies only
        (what lies further left, the client could have written itself)."""
        host = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for")
        if not forwarded or not is_trusted_proxy(self.settings.trusted_proxies, host):
            return host
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not is_trusted_proxy(self.settings.trusted_proxies, hop):
                return hop
        return hops[0] if hops else host
