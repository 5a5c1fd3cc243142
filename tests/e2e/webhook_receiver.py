"""A real local HTTP receiver for the integrators' webhook of the end-to-end stack.

It keeps every delivery whose signature checks out (with the stack's NOTIFY_WEBHOOK_SECRET) and
answers 204; tests read the events of one request by its reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "e2e-webhook-secret"
WAIT_S = 60  # bot.web delivers every few seconds; an upper bound, not a speed requirement


class WebhookReceiver:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/hooks"
        self.deliveries: list[dict[str, Any]] = []
        self.badly_signed = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._keep(self.headers.get("X-Signature", ""), body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _keep(self, signature: str, body: bytes) -> None:
        parts = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
        expected = hmac.new(SECRET.encode(), f"{parts.get('t')}.".encode() + body, hashlib.sha256).hexdigest()
        with self._lock:
            if hmac.compare_digest(parts.get("v1", ""), expected):
                self.deliveries.append(json.loads(body))
            else:
                self.badly_signed += 1

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def events(self, reference: str) -> dict[str, dict[str, Any]]:
        """The distinct events (by delivery id, as receivers dedupe) about one request."""
        with self._lock:
            return {d["id"]: d for d in self.deliveries if d["data"]["reference"] == reference}

    def wait_for(self, reference: str, event_type: str, count: int = 1) -> list[dict[str, Any]]:
        """The request's events of that type, once at least `count` have arrived."""
        deadline = time.monotonic() + WAIT_S
        while True:
            found = [e for e in self.events(reference).values() if e["type"] == event_type]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.2)
