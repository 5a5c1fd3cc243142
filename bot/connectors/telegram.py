"""Telegram with a secret token on its webhook, which Rasa's connector does not register.

Telegram then sends the token back in `X-Telegram-Bot-Api-Secret-Token` on every update, and bot.web
refuses updates without it. aiogram 2 predates the parameter, so setWebhook is called directly.
Conversation ids are `telegram:<chat id>` (bot.connectors.namespace).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException

from bot.connectors.namespace import NamespacedInput


class SecretTokenTelegramInput(NamespacedInput, TelegramInput):
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
