"""The public web server: demo page, widget, `/chat` proxy to Rasa's REST channel, health checks.

Run with `python -m bot.web` (the launcher does). Only this process faces the public; Rasa and the
action server stay on loopback behind it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jinja2
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.connectors.choices import as_typed
from bot.notifications.email import deliver_due_emails
from bot.notifications.webhook_events import deliver_due_webhooks
from bot.settings import Settings
from bot.store.db import UnitOfWork, describe_error, make_engine
from bot.web import api, handoff, inbox, provider_webhooks, staff
from bot.web.body_limit import BodyLimit
from bot.web.limits import RateLimiter
from bot.web.proxy import Proxy
from bot.web.replies import (
    choice_gone_text,
    empty_message_text,
    error,
    outage_text,
    restarted_text,
    too_long_text,
    too_quick_text,
    widget_messages,
)
from bot.web.secret_key import secret_key
from bot.web.security_headers import SecurityHeaders
from bot.web.tokens import (
    TOKEN_HEADER,
    conversation_of,
    new_conversation,
    payload_is_genuine,
    token_expired,
    token_for,
)

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_MESSAGE_LENGTH = 1000
MAX_BODY_BYTES = 8_192
# Bodies over these are refused before they are read (BodyLimit); deploy/nginx.conf allows the largest.
BODY_LIMITS = (("/chat", MAX_BODY_BYTES), ("/webhooks/", provider_webhooks.MAX_BODY_BYTES))
DEFAULT_BODY_LIMIT = 64 * 1024
RASA_TIMEOUT_S = 10.0
NOTIFY_INTERVAL_S = 5


def _is_text(raw: Any) -> bool:
    """A string that can be sent on as UTF-8 (JSON's `\\ud800` escapes give lone surrogates that cannot)."""
    return isinstance(raw, str) and not any("\ud800" <= ch <= "\udfff" for ch in raw)


def _clean_text(raw: Any) -> str | None:
    """Visitor text as Rasa should see it: a string, trimmed, never a `/intent` command."""
    if not isinstance(raw, str):
        return None
    return as_typed(
        "".join(
            ch for ch in raw if (ch == "\n" or ch == "\t" or ch >= " ") and not "\ud800" <= ch <= "\udfff"
        )
    )


async def chat(request: Request) -> Response:
    proxy: Proxy = request.app.state.proxy
    body = await request.body()  # at most MAX_BODY_BYTES: BodyLimit refuses more before it is read
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting fits in MAX_BODY_BYTES
        return error(400, 'Please send JSON like {"message": "hello"}.')
    if not isinstance(data, dict):
        return error(400, 'Please send a JSON object like {"message": "hello"}.')

    given = request.headers.get(TOKEN_HEADER)
    conversation = conversation_of(proxy.secret, given)
    restarted = conversation is None and token_expired(proxy.secret, given)
    is_new = conversation is None
    language = (
        proxy.language(conversation) if conversation else proxy.language_for_new(data.get("lang"), None)
    )
    if "payload" in data:
        payload = data.get("payload")
        signature = data.get("signature", "")
        if (
            conversation is None  # a new conversation was offered no buttons
            or not (_is_text(payload) and _is_text(signature))
            or not payload_is_genuine(proxy.secret, conversation, payload, signature)
        ):
            return error(400, choice_gone_text(language))
        message = payload
    else:
        message = _clean_text(data.get("message"))
        if not message:
            return error(400, empty_message_text(language))
        if len(message) > MAX_MESSAGE_LENGTH:
            return error(413, too_long_text(MAX_MESSAGE_LENGTH, language))
    if conversation is None:
        language = proxy.language_for_new(data.get("lang"), message)
        conversation, _ = new_conversation(proxy.secret, language=language)

    client = proxy.client_key(request)
    for limiter, key in ((proxy.per_client, client), (proxy.per_conversation, conversation)):
        if not limiter.allow(key):
            return error(
                429,
                too_quick_text(language),
                headers={"Retry-After": str(limiter.retry_after(key))},
            )

    if not is_new:  # a new conversation has no handoff
        # A button chosen while staff hold the chat reaches them as its title (payloads mean nothing to them).
        title = (_clean_text(data.get("title")) or "")[:MAX_MESSAGE_LENGTH] or None
        typed = message if "payload" not in data else title
        during_handoff = await handoff.chat_turn(request, conversation, typed, language)
        if during_handoff is not None:
            return during_handoff

    answer = await proxy.forward(conversation, message)
    if answer and (switched := await proxy.switch_language(conversation, message, answer)):
        conversation, language, answer = switched
    if answer is None:
        return error(503, outage_text(proxy.settings.practice_phone, language), headers={"Retry-After": "5"})
    messages, waiting = widget_messages(proxy.secret, conversation, answer)
    if restarted:
        messages.insert(0, {"text": restarted_text(language)})
    # Re-issued with every answer: the lifetime runs from the last reply (bot/web/tokens.py).
    reply: dict[str, Any] = {
        "token": token_for(proxy.secret, conversation),
        "messages": messages,
        "lang": language,  # the widget speaks the conversation's language, and offers the others
        "languages": list(proxy.settings.languages),
    }
    if waiting:
        reply["handoff"] = await handoff.queued(request, conversation)
    return JSONResponse({**reply, "restarted": True} if restarted else reply)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _rasa_check(client: httpx.AsyncClient, base: str) -> str:
    try:
        response = await client.get(base + "/", timeout=3)
    except httpx.TransportError as error:
        return f"unreachable ({type(error).__name__})"
    return "ok" if response.status_code == 200 else f"status {response.status_code}"


async def readyz(request: Request) -> Response:
    """Ready while, for each language served, some of its Rasa servers answers (a turn goes to whichever
    does), and the database does; each server's state is listed, by position, for the operator."""
    proxy: Proxy = request.app.state.proxy
    settings = proxy.settings
    checks: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    for index, language in enumerate(settings.languages):
        urls = settings.rasa_urls_for(language)
        servers = await asyncio.gather(*(_rasa_check(proxy.client, base) for base in urls))
        suffix = f"_{language}" if index else ""
        checks[f"rasa{suffix}"] = "ok" if "ok" in servers else servers[0]
        listed[f"rasa_servers{suffix}"] = servers
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any driver error means "not ready"
        checks["database"] = f"unavailable ({type(error).__name__})"
    ready = all(value == "ok" for value in checks.values())
    body = {"ready": ready, "checks": checks, **listed}
    return JSONResponse(body, status_code=200 if ready else 503)


async def page(request: Request) -> Response:
    settings: Settings = request.app.state.proxy.settings
    return request.app.state.templates.TemplateResponse(
        request,
        "page.html",
        {"practice_name": settings.practice_name, "practice_phone": settings.practice_phone},
    )


def _static(name: str, media_type: str):
    async def serve(request: Request) -> Response:
        return FileResponse(
            HERE / "static" / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
        )

    return serve


async def _deliver_notifications(settings: Settings, app: Starlette) -> None:
    """Staff e-mails and webhook events from the outbox, every few seconds, off the event loop."""
    while True:
        for deliver in (deliver_due_emails, deliver_due_webhooks):
            try:
                await asyncio.to_thread(deliver, settings, app.state.uow)
            except Exception as problem:  # a broken database must not end the loop; it is retried next round
                logger.error("delivering notifications failed: %s", describe_error(problem))
        await asyncio.sleep(NOTIFY_INTERVAL_S)


def create_app(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The web app; `transport` lets tests stand in for Rasa without a server."""
    proxy = Proxy(
        settings=settings,
        secret=secret_key(settings),
        per_conversation=RateLimiter(limit=20, window_s=60),
        per_client=RateLimiter(limit=60, window_s=60),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        proxy.client = httpx.AsyncClient(
            timeout=httpx.Timeout(RASA_TIMEOUT_S, connect=2.0), transport=transport
        )
        notifying = settings.smtp or settings.notify_webhook_url
        sender = asyncio.create_task(_deliver_notifications(settings, app)) if notifying else None
        try:
            yield
        finally:
            if sender:
                sender.cancel()
            await proxy.client.aclose()
            app.state.engine.dispose()

    middleware = [Middleware(SecurityHeaders)]
    if settings.widget_allowed_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.widget_allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", TOKEN_HEADER],
                max_age=600,
            )
        )
    middleware.append(Middleware(BodyLimit, limits=BODY_LIMITS, default=DEFAULT_BODY_LIMIT))  # inside CORS

    async def unexpected(request: Request, problem: Exception) -> Response:
        logger.error("unexpected error on %s: %s", request.url.path, describe_error(problem))
        return error(
            503 if request.url.path.startswith("/chat") else 500, outage_text(settings.practice_phone)
        )

    app = Starlette(
        exception_handlers={Exception: unexpected},
        routes=[
            Route("/", page),
            Route("/widget.js", _static("widget.js", "text/javascript")),
            Route("/widget.css", _static("widget.css", "text/css")),
            Route("/site.css", _static("site.css", "text/css")),
            Route("/chat", chat, methods=["POST"]),
            Route("/chat/events", handoff.chat_events, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/staff.css", _static("staff.css", "text/css")),
            *staff.routes,
            *inbox.routes,
            *api.routes,
            *provider_webhooks.routes,
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    app.state.engine = make_engine(settings.database_url)
    app.state.uow = UnitOfWork(app.state.engine)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True, enable_async=False
    )
    app.state.templates = Jinja2Templates(env=environment)
    return app
