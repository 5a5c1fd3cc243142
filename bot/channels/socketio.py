"""socket.io with session persistence that works with today's python-socketio.

Rasa 3.6 calls `sio.enter_room(...)` without `await`; since python-socketio made it a coroutine the
room is never joined, so with `session_persistence` no reply reaches the client. This connector
replaces only that handler, awaiting the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint


class PersistentSocketIOInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio

        async def session_request(sid: str, data: dict | None) -> None:
            data = data or {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        sio.on("session_request", namespace=self.namespace)(session_request)
        return blueprint
