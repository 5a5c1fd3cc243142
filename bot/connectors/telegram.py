"""Telegram with a secret token on its webhook, which Rasa's connector does not register.

Telegram then sends the token back in `X-Telegram-Bot-Api-Secret-Token` on every update, and bot.web
refuses updates without it. aiogram 2 predates the parameter, so setWebhook is called directly.
Typed text is never an `/intent` command and `/start` or `/help` greets; a press on one of the bot's
buttons (callback data) passes unchanged. Conversation ids are `telegram:<chat id>`
(bot.connectors.namespace).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from sanic.request import Request

from bot.connectors.choices import as_typed
from bot.connectors.namespace import NamespacedInput

GREETING_COMMANDS = ("/start", "/help")


def typed_text(text: str) -> str:
    """`/start` and `/help` (also `/start@yourbot`) greet; other typed text is never an `/intent` command."""
    return "hi" if text.strip().split("@")[0] in GREETING_COMMANDS else as_typed(text)


def typed_update(update: Any) -> Any:
    """The update with its typed text (a message, an edited one) as `typed_text` reads it."""
    for key in ("message", "edited_message"):
        message = update.get(key) if isinstance(update, dict) else None
        if isinstance(message, dict) and isinstance(message.get("text"), str):
            message["text"] = typed_text(message["text"])
    return update


async def read_as_typed(request: Request) -> None:
    """Runs before Rasa's route, which reads the update Sanic parsed (and a JSON string holding one)."""
    if request.method == "POST" and request.path.endswith("/webhook"):
        update = request.json
        request.parsed_json = typed_update(json.loads(update) if isinstance(update, str) else update)


class SecretTokenTelegramInput(NamespacedInput, TelegramInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's routes, reading updates through `read_as_typed` (the text is taken inside Rasa's route)."""
        blueprint = super().blueprint(on_new_message)
        blueprint.middleware(read_as_typed, "request")
        return blueprint

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecretTokenTelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        channel = cls(
            credentials.get("access_token"), credentials.get("verify"), credentials.get("webhook_url")
        )
        channel.secret_token = credentials.get("secret_token")
        return channel

    def get_output_channel(self) -> TelegramOutput:
        channel = TelegramOutput(self.access_token)

        async def register() -> None:
            try:
                await channel.request(
                    "setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token}
                )
            finally:
                await channel.close()  # the session belongs to this short-lived loop; a new one follows

        try:
            asyncio.run(register())
        except TelegramAPIError as error:
            raise RasaException(f"Failed to set channel webhook: {error}") from error
        return channel
