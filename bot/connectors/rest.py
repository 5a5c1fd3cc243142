"""The REST channel (bot.web's `/chat` and integrators on the private network), never in another
channel's namespace: a sender id holding `:` (as "twilio:+1212…" does) is refused, so a REST caller
cannot name an SMS, Telegram or socket.io conversation. bot.web's ids are `web-…`, issued and signed
by bot/web/tokens.py.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.connectors.namespace import SEPARATOR


class OwnIdsRestInput(RestInput):
    async def _extract_sender(self, req: Request) -> Any:
        sender = await super()._extract_sender(req)
        if not isinstance(sender, str) or SEPARATOR in sender:
            raise InvalidUsage(f"'sender' must be a string without '{SEPARATOR}' (other channels' namespace)")
        return sender
