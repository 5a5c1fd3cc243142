"""socket.io with session persistence, conversations we issue, and `/chat`'s filters and limits.

Rasa 3.6's connector takes the client's `session_id` as the conversation id, so a client could name
any conversation (an SMS sender's phone, a web visitor's id) and own its requests. Here the session
id is a token we issue (random, HMAC-signed with SECRET_KEY); a `session_request` with anything else
gets a fresh one, and the conversation is `socketio:<id>`, which no other channel can produce.
Messages are capped at 1,000 characters (the transport refuses bigger packets outright), rate-limited
per connection and per conversation like `/chat`, and typed `/intent` commands lose their slash unless
they are the payload of a button the bot just offered. Rasa 3.6 also calls `sio.enter_room(...)`
without `await`, which today's python-socketio made a coroutine; this connector awaits it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from bot.connectors.choices import as_typed
from bot.connectors.namespace import namespaced
from bot.connectors.socketio_handoff import UNANSWERED, HandoffDesk
from bot.connectors.twilio import offered_buttons
from bot.settings import get_settings
from bot.web.limits import RateLimiter
from bot.web.secret_key import secret_key
from bot.web.tokens import mac

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
MAX_MESSAGE_LENGTH = 1000  # as /chat
MAX_PACKET_BYTES = 16 * 1024  # engine.io refuses bigger packets before they are parsed
MESSAGES_PER_MINUTE = 20  # as /chat, per conversation (and per connection)
_ID_PREFIX = "sio-"
_ID_BYTES = 18
MAX_SESSION_LENGTH = 200


def new_session(secret: str) -> str:
    """A fresh session token: a random id and its HMAC."""
    ident = _ID_PREFIX + secrets.token_urlsafe(_ID_BYTES)
    return f"{ident}.{mac(secret, CHANNEL, ident)}"


def session_of(secret: str, token: object) -> str | None:
    """The id a session token carries, or None when it is missing, malformed or not ours."""
    if not isinstance(token, str) or len(token) > MAX_SESSION_LENGTH or token.count(".") != 1:
        return None
    ident, given = token.split(".")
    if not ident.startswith(_ID_PREFIX) or not given.isascii():
        return None
    return ident if hmac.compare_digest(given, mac(secret, CHANNEL, ident)) else None


class PersistentSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        settings = get_settings()
        secret = secret_key(settings)
        sessions: dict[str, tuple[str, str]] = {}  # connection -> (its conversation, the room replies go to)
        per_connection = RateLimiter(MESSAGES_PER_MINUTE, 60)
        per_conversation = RateLimiter(MESSAGES_PER_MINUTE, 60)
        app: dict[str, Sanic] = {}
        desk = HandoffDesk(settings.database_url, settings.handoff_wait)

        def rooms_of(conversation: str) -> set[str]:
            return {room for sender, room in sessions.values() if sender == conversation}

        async def to_conversation(conversation: str, text: str) -> None:
            for room in rooms_of(conversation):
                await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=self.namespace)

        async def unanswered(conversation: str) -> None:
            for room in sorted(rooms_of(conversation))[:1]:  # one bot turn; its answer reaches the room
                output = RoomOutput(sio, self.bot_message_evt, room)
                await on_new_message(UserMessage(UNANSWERED, output, conversation, input_channel=self.name()))

        @blueprint.listener("before_server_start")
        async def remember_app(server: Sanic, _loop: Any) -> None:
            app["server"] = server
            desk.start(lambda: {sender for sender, _ in sessions.values()}, to_conversation, unanswered)

        @blueprint.listener("after_server_stop")
        async def stop_delivery(_server: Sanic, _loop: Any) -> None:
            desk.stop()

        async def send_text(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

        async def session_request(sid: str, data: Any) -> None:
            given = data.get("session_id") if isinstance(data, dict) else None
            token = given if session_of(secret, given) else new_session(secret)
            ident = session_of(secret, token)
            assert ident is not None
            if self.session_persistence:
                await sio.enter_room(sid, token, namespace=self.namespace)
            sessions[sid] = (namespaced(CHANNEL, ident), token if self.session_persistence else sid)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if sid not in sessions:
                await send_text(sid, "Please start a session first (session_request).")
                return
            sender, room = sessions[sid]
            if not isinstance(text, str) or not text.strip():
                await send_text(sid, "Please type a message.")
                return
            if len(text) > MAX_MESSAGE_LENGTH:
                await send_text(sid, f"Please keep messages under {MAX_MESSAGE_LENGTH} characters.")
                return
            if not (per_connection.allow(sid) and per_conversation.allow(sender)):
                await send_text(
                    sid, "You're sending messages very quickly. Please wait a minute and try again."
                )
                return
            text = await self._as_sent(app.get("server"), sender, text)
            if await desk.held(sender, text, to_conversation):
                return
            await on_new_message(
                UserMessage(
                    text,
                    RoomOutput(sio, self.bot_message_evt, room),
                    sender,
                    input_channel=self.name(),
                    metadata=None,
                )
            )

        async def disconnect(sid: str) -> None:
            sessions.pop(sid, None)

        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        sio.on("disconnect", namespace=self.namespace)(disconnect)
        return blueprint

    @staticmethod
    async def _as_sent(server: Sanic | None, sender: str, text: str) -> str:
        """A payload of a button the bot just offered passes; anything else is typed text."""
        agent = getattr(getattr(server, "ctx", None), "agent", None) if server else None
        if agent is not None and text.strip().startswith("/"):
            offered = await offered_buttons(agent.tracker_store, sender)
            if any(text.strip() == str(button.get("payload", "")) for button in offered):
                return text.strip()
        return as_typed(text)


class RoomOutput(SocketIOOutput):
    """Replies go to the session's room (every connection of the session), whatever the sender id."""

    def __init__(self, sio: Any, bot_message_evt: str, room: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.room = room

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(self.room, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await super().send_custom_json(self.room, json_message, **kwargs)
