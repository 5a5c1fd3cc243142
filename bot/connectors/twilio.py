"""Twilio SMS and WhatsApp with buttons that work on a phone.

Rasa's Twilio connector sends each button as its own SMS (`1: Title (/payload)`) and a reply of "1"
means nothing to it. Here a message's buttons become one numbered list in the same SMS, numbered on
across the messages of one reply, and the visitor's next reply, a number or the button's words,
becomes the button's payload. The offered buttons are read from the conversation's tracker, so this
holds across restarts and several Rasa servers. Conversation ids are `twilio:<phone>`
(bot.connectors.namespace); replies go to the phone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.connectors.choices import as_typed, numbered, picked
from bot.connectors.namespace import ProviderOutput, namespaced

logger = logging.getLogger(__name__)


class NumberedTwilioOutput(TwilioOutput):
    def __init__(self, account_sid: str | None, auth_token: str | None, twilio_number: str | None) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.next_number = 1

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One SMS per bot message (Rasa's splits paragraphs into several)."""
        await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": text.strip()})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, numbered(text, buttons, self.next_number))
        self.next_number += len(buttons)


async def offered_buttons(tracker_store: Any, sender: str) -> list[dict[str, Any]]:
    """The buttons of the bot's latest reply, in the order they were numbered."""
    tracker = await tracker_store.retrieve(sender)
    if tracker is None:
        return []
    buttons: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons[:0] = event.data.get("buttons") or []
    return buttons


class NumberedTwilioInput(TwilioInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            sender = request.form.get("From")
            text = request.form.get("Body")
            if not sender or not (text or "").strip():
                return response.text("", status=204)
            conversation = namespaced(self.name(), sender)
            offered = await offered_buttons(request.app.ctx.agent.tracker_store, conversation)
            await on_new_message(
                UserMessage(
                    picked(text, offered) or as_typed(text.replace("¡", "@")),
                    ProviderOutput(self.get_output_channel()),
                    conversation,
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                )
            )
            return response.text("", status=204)

        return twilio_webhook

    def get_output_channel(self) -> NumberedTwilioOutput:
        return NumberedTwilioOutput(self.account_sid, self.auth_token, self.twilio_number)
