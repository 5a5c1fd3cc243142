"""Conversation ids namespaced by channel, so an id from one channel can never equal another's.

An SMS sender is a phone number and a Telegram chat a number; stored requests belong to "the same
conversation id", so without a namespace a visitor on one channel who names another channel's id
would own that conversation. Every connector hands Rasa `<channel>:<provider's id>` ("twilio:+1212…",
"telegram:123"); replies go back to the provider with the prefix taken off again.

Slack's and Messenger's connectors here also read typed text as never an `/intent` command, while a
click on one of the bot's own buttons (a Slack interactive payload, a Messenger postback or quick
reply) passes unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger
from rasa.core.channels.slack import SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.connectors.choices import as_typed

SEPARATOR = ":"


def namespaced(channel: str, ident: str) -> str:
    return f"{channel}{SEPARATOR}{ident}"


def provider_id(sender_id: str) -> str:
    """The provider's own id inside a namespaced conversation id."""
    return sender_id.partition(SEPARATOR)[2] or sender_id


class ProviderOutput(OutputChannel):
    """The connector's own output channel, addressed with the provider's id (the prefix taken off)."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner

    def name(self) -> str:  # type: ignore[override]  # channel-specific responses follow the connector
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.inner.send_response(provider_id(recipient_id), message)

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "inner":  # not set yet (a copy being built): no endless lookup
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)


def namespace_messages(
    channel: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap the handler Rasa gives a connector: each message gets the channel's namespace."""

    async def handle(message: UserMessage) -> Any:
        message.sender_id = namespaced(channel, str(message.sender_id))
        if message.output_channel is not None:
            message.output_channel = ProviderOutput(message.output_channel)
        return await on_new_message(message)

    return handle


class NamespacedInput:
    """Mixin for a Rasa input channel: its conversation ids become `<name()>:<provider's id>`."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        return super().blueprint(namespace_messages(self.name(), on_new_message))  # type: ignore[misc]


class NamespacedSlackInput(NamespacedInput, SlackInput):
    """Slack with conversation ids `slack:<user>` (replies go to the event's channel, as before)."""

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        """Rasa's route hands on events and button clicks here; only a click comes as a form `payload`."""
        typed = "payload" not in request.form
        return await super().process_message(
            request, on_new_message, as_typed(text) if typed else text, sender_id, metadata
        )


class TypedMessenger(Messenger):
    """Rasa's Messenger, but a typed message is never an `/intent` command (a quick reply is a button)."""

    async def message(self, message: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        if self._is_user_message(message) and not self._is_quick_reply_message(message):
            typed = message["message"] | {"text": as_typed(message["message"]["text"])}
            message = message | {"message": typed}
        await super().message(message, metadata)


class TypedFacebookInput(FacebookInput):
    """Messenger reading events with `TypedMessenger`, and accepting Meta's SHA-256 signature alone."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's three routes, the events' one changed: Rasa's builds its Messenger inside the route, and
        checks only the older SHA-1 `X-Hub-Signature`, which Meta may leave out."""
        blueprint = Blueprint("fb_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge"))
            return response.text("failure, invalid token")

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            headers = request.headers
            signature = headers.get("X-Hub-Signature-256") or headers.get("X-Hub-Signature") or ""
            if not self.validate_hub_signature(self.fb_secret, request.body, signature):
                return response.text("not validated")
            messenger = TypedMessenger(self.fb_access_token, on_new_message)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return blueprint


class NamespacedFacebookInput(NamespacedInput, TypedFacebookInput):
    """Messenger with conversation ids `facebook:<page-scoped id>`."""
