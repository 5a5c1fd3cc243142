"""`/webhooks/<channel>/webhook`: messaging providers' calls, checked here and forwarded to Rasa.

Only bot.web faces the public, so providers call it; it refuses a call without the provider's
signature or secret, or with a form field given twice (Twilio's signature check and Rasa's connector
would read different copies), answers a delivery whose message id it has handled before with a plain
200 (a replay, or the provider retrying) without forwarding it, then forwards the body and the
provider's headers to the same route on a Rasa server byte for byte, and hands Rasa's answer back to
the provider. It changes nothing: Rasa's Slack and Facebook connectors check the provider's signature
over the provider's bytes again, and the project's connectors (bot.connectors) see to it that typed
text never reaches Rasa as an `/intent` command.

When Spanish is served, a conversation goes to the Rasa servers of the language its first typed text
was in (pinned in the store by provider and sender), and stays there whatever it writes later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.conversation.language import opening_language
from bot.settings import Settings
from bot.store.channel_languages import pin_language, pinned_language
from bot.store.db import UnitOfWork, describe_error
from bot.store.deliveries import first_delivery, prune_deliveries
from bot.web.channel_language import ChannelMessage, channel_messages
from bot.web.signatures import (
    facebook_is_genuine,
    slack_is_genuine,
    telegram_is_genuine,
    telegram_secret_token,
    twilio_is_genuine,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
FORWARD_TIMEOUT_S = 30.0
FORWARDED_HEADERS = (
    "content-type",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-slack-retry-num",
    "x-slack-retry-reason",
    "x-hub-signature",
    "x-hub-signature-256",
    "x-twilio-signature",
    "x-telegram-bot-api-secret-token",
)


PRUNE_EVERY_S = 600.0


def form_fields(request: Request, body: bytes) -> list[tuple[str, str]] | None:
    """The fields of a form-encoded body, else None."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def has_repeated_fields(fields: list[tuple[str, str]] | None) -> bool:
    names = [name for name, _ in fields or []]
    return len(names) != len(set(names))


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def delivery_ids(channel: str, fields: list[tuple[str, str]] | None, body: bytes) -> list[str]:
    """The provider's ids of what this delivery carries (Twilio MessageSid, Telegram update_id, Slack
    event_id or an interaction's trigger_id, Facebook mid); empty when it carries none."""
    form = dict(fields or [])
    if channel == "twilio":
        return [form["MessageSid"]] if form.get("MessageSid") else []
    if channel == "slack" and "payload" in form:  # a button click, form-encoded
        payload = _json(form["payload"].encode())
        trigger = payload.get("trigger_id") if isinstance(payload, dict) else None
        return [str(trigger)] if trigger else []
    data = _json(body)
    if not isinstance(data, dict):
        return []
    if channel == "telegram":
        return [str(data["update_id"])] if isinstance(data.get("update_id"), int) else []
    if channel == "slack":
        return [str(data["event_id"])] if data.get("event_id") else []
    if channel == "facebook":
        return _facebook_ids(data)
    return []


def _facebook_ids(data: dict) -> list[str]:
    ids = []
    for entry in data.get("entry") if isinstance(data.get("entry"), list) else []:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            if not isinstance(event, dict):
                continue
            inner = event.get("message") or event.get("postback") or {}
            mid = inner.get("mid") if isinstance(inner, dict) else None
            sender = (event.get("sender") or {}).get("id") if isinstance(event.get("sender"), dict) else None
            ids.append(str(mid) if mid else f"{sender}@{event.get('timestamp')}")
    return ids


def is_replay(uow: UnitOfWork, state: object, channel: str, ids: list[str]) -> bool:
    """True when every id was handled before; records the new ones (and now and then forgets old ones)."""
    now = datetime.now(timezone.utc)
    with uow() as session:
        new = [first_delivery(session, channel, ident, now) for ident in ids]
        if time.monotonic() - getattr(state, "deliveries_pruned_at", float("-inf")) > PRUNE_EVERY_S:
            prune_deliveries(session, now)
            state.deliveries_pruned_at = time.monotonic()  # type: ignore[attr-defined]
    return not any(new)


def pinned_languages(
    uow: UnitOfWork, settings: Settings, channel: str, messages: list[ChannelMessage], now: datetime
) -> str | None:
    """Pin each sender's conversation at its first text (a button pins nothing); the first sender's
    language, None when it has neither a pin nor text yet (a batch goes where its first sender's does)."""
    languages: dict[str, str | None] = {}
    with uow() as session:
        for message in messages:
            if languages.get(message.sender):
                continue
            language = pinned_language(session, channel, message.sender)
            if language is None and message.text is not None:
                guess = opening_language(message.text, settings.languages)
                language = pin_language(session, channel, message.sender, guess, now)
            languages[message.sender] = language
    return languages[messages[0].sender]


async def delivery_language(
    request: Request, channel: str, fields: list[tuple[str, str]] | None, body: bytes, store_up: bool
) -> str | None:
    """The language whose Rasa servers take this delivery; None for the default's (also when only one
    language is served). With the database away (`store_up` False when the replay check found it so,
    not to wait for it twice), the first sender's text itself decides."""
    settings: Settings = request.app.state.proxy.settings
    messages = channel_messages(channel, fields, body) if request.method == "POST" else []
    if "es" not in settings.languages or not messages:
        return None
    language = None
    if store_up:
        now = datetime.now(timezone.utc)
        try:
            language = await asyncio.to_thread(
                pinned_languages, request.app.state.uow, settings, channel, messages, now
            )
        except Exception as error:  # the database is away: the patient's message still goes on
            logger.warning("could not pin a %s conversation's language: %s", channel, describe_error(error))
            store_up = False
    if not store_up:
        typed = [m.text for m in messages if m.sender == messages[0].sender and m.text is not None]
        language = opening_language(typed[0], settings.languages) if typed else None
    if language is None:
        return None
    return language if language in settings.languages else settings.languages[0]  # no longer served


def is_genuine(settings: Settings, channel: str, request: Request, body: bytes) -> bool:
    channels, headers = settings.channels, request.headers
    if channel == "slack" and channels.slack:
        return slack_is_genuine(
            channels.slack.signing_secret,
            headers.get("x-slack-request-timestamp"),
            body,
            headers.get("x-slack-signature"),
            now=time.time(),
        )
    if channel == "facebook" and channels.facebook:
        return facebook_is_genuine(
            channels.facebook.app_secret,
            body,
            headers.get("x-hub-signature-256"),
            headers.get("x-hub-signature"),
        )
    if channel == "telegram" and channels.telegram:
        return telegram_is_genuine(
            telegram_secret_token(settings), headers.get("x-telegram-bot-api-secret-token")
        )
    if channel == "twilio" and channels.twilio:
        query = f"?{request.url.query}" if request.url.query else ""
        url = f"{settings.public_url}{request.url.path}{query}"  # the address Twilio called and signed
        params = form_fields(request, body) or []
        return twilio_is_genuine(channels.twilio.auth_token, url, params, headers.get("x-twilio-signature"))
    return False


async def channel_webhook(request: Request) -> Response:
    proxy = request.app.state.proxy
    settings: Settings = proxy.settings
    channel = request.path_params["channel"]
    if channel not in settings.channels.enabled():
        return JSONResponse({"error": "This channel is not enabled."}, status_code=404)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return JSONResponse({"error": "Request too large."}, status_code=413)
    fields = form_fields(request, body)
    store_up = True
    if request.method == "GET":
        if channel != "facebook":  # only Meta's subscription handshake uses GET
            return JSONResponse({"error": "Use POST."}, status_code=405)
    elif has_repeated_fields(fields):
        logger.warning("refused a %s webhook call with a repeated form field", channel)
        return JSONResponse({"error": "Each form field may be given only once."}, status_code=400)
    elif not is_genuine(settings, channel, request, body):
        logger.warning("refused a %s webhook call without a valid signature", channel)
        return JSONResponse({"error": "Invalid signature."}, status_code=403)
    elif ids := delivery_ids(channel, fields, body):
        try:
            replayed = await asyncio.to_thread(
                is_replay, request.app.state.uow, request.app.state, channel, ids
            )
        except Exception as error:  # the database is away: answer the patient rather than drop them
            logger.warning("could not check %s delivery ids for replays: %s", channel, describe_error(error))
            replayed = store_up = False
        if replayed:
            logger.info("dropped a replayed %s delivery", channel)
            return Response("", status_code=200, media_type="text/plain")  # the provider stops retrying
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    language = await delivery_language(request, channel, fields, body, store_up)
    answer = await proxy.ask_rasa(
        uuid.uuid4().hex,  # any server: the lock store keeps a conversation's turns in order
        request.method,
        f"/webhooks/{channel}/webhook",
        params=request.query_params,
        content=body,
        headers=headers,
        timeout=FORWARD_TIMEOUT_S,
        language=language,
    )
    if answer is None:
        return JSONResponse({"error": "The assistant is not available; please retry."}, status_code=503)
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type", "text/plain"),
    )


routes = [Route("/webhooks/{channel}/webhook", channel_webhook, methods=["GET", "POST"])]
