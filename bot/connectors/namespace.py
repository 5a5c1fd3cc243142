"""Conversation ids namespaced by channel, so an id from one channel can never equal another's.

An SMS sender is a phone number and a Telegram chat a number; stored requests belong to "the same
conversation id", so without a namespace a visitor on one channel who names another channel's id
would own that conversation. Every connector hands Rasa `<channel>:<provider's id>` ("twilio:+1212…",
"telegram:123"); replies go back to the provider with the prefix taken off again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.slack import SlackInput

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


class NamespacedFacebookInput(NamespacedInput, FacebookInput):
    """Messenger with conversation ids `facebook:<page-scoped id>`."""
