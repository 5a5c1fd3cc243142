"""Each messaging channel through bot.web's webhook route, on the real Rasa, with a fake provider.

The visitor's message arrives as the provider would send it (signed where the provider signs); the
reply is whatever Rasa sent back to the provider's API, which the fake recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.settings import load_settings
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest, ProviderDelivery
from bot.web.signatures import telegram_secret_token
from tests.conftest import next_open_day
from tests.e2e.conftest import CHANNEL_ENV, Stack
from tests.e2e.fake_providers import Call, FakeProviders, decoded

pytestmark = pytest.mark.e2e
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Visitor:
    """One person on one channel: sends as the provider would, reads what the provider was asked to send."""

    channel: str
    stack: Stack
    providers: FakeProviders
    ident: str

    @property
    def url(self) -> str:
        return f"{self.stack.web_url}/webhooks/{self.channel}/webhook"

    def request(self, text: str, button: str | None = None) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def replies(self, calls: list[Call]) -> list[str]:
        raise NotImplementedError

    def says(self, text: str, button: str | None = None) -> list[str]:
        mark = self.providers.mark()
        body, headers = self.request(text, button)
        status, answer = post(self.url, body, headers)
        assert status < 300, (status, answer)
        # Slack's connector answers at once and replies in the background; wait until it has spoken.
        calls = self.providers.wait_for(mark, lambda calls: bool(self.replies(calls)))
        time.sleep(0.3 if self.channel == "slack" else 0)
        return self.replies(self.providers.since(mark)) or self.replies(calls)


class TelegramVisitor(Visitor):
    def request(self, text: str, button: str | None = None) -> tuple[bytes, dict[str, str]]:
        chat = {"id": int(self.ident), "type": "private", "first_name": "Pat"}
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": chat | {"is_bot": False},
        }
        if button:
            update = {
                "update_id": next(_ids),
                "callback_query": {
                    "id": str(next(_ids)),
                    "from": chat | {"is_bot": False},
                    "message": message,
                    "chat_instance": "1",
                    "data": button,
                },
            }
        else:
            update = {"update_id": next(_ids), "message": message | {"text": text}}
        secret = telegram_secret_token(load_settings(self.stack.env))
        return json.dumps(update).encode(), {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": secret,
        }

    def replies(self, calls: list[Call]) -> list[str]:
        return [
            c.data["text"]
            for c in calls
            if c.provider == "telegram"
            and c.path == "sendMessage"
            and str(c.data.get("chat_id")) == self.ident
        ]

    def buttons(self, calls: list[Call]) -> list[dict[str, Any]]:
        markups = [decoded(c.data.get("reply_markup")) for c in calls if c.path == "sendMessage"]
        return [button for markup in markups if markup for row in markup["inline_keyboard"] for button in row]


class FacebookVisitor(Visitor):
    def request(self, text: str, button: str | None = None) -> tuple[bytes, dict[str, str]]:
        event: dict[str, Any] = {
            "sender": {"id": self.ident},
            "recipient": {"id": "PAGE"},
            "timestamp": int(time.time() * 1000),
        }
        if button:
            event["postback"] = {"payload": button, "title": text}
        else:
            event["message"] = {"mid": f"m.{next(_ids)}", "text": text}
        body = json.dumps(
            {"object": "page", "entry": [{"id": "PAGE", "time": event["timestamp"], "messaging": [event]}]}
        ).encode()
        return body, {"Content-Type": "application/json", **facebook_signatures(body)}

    def replies(self, calls: list[Call]) -> list[str]:
        texts = []
        for call in calls:
            if call.provider != "facebook" or (call.data.get("recipient") or {}).get("id") != self.ident:
                continue
            message = call.data.get("message") or {}
            payload = (message.get("attachment") or {}).get("payload") or {}
            if message.get("text") or payload.get("text"):
                texts.append(message.get("text") or payload.get("text"))
        return texts


class SlackVisitor(Visitor):
    def request(self, text: str, button: str | None = None) -> tuple[bytes, dict[str, str]]:
        if button:
            return self.click(button)
        event = {
            "type": "message",
            "channel": f"D{self.ident}",
            "user": f"U{self.ident}",
            "text": text,
            "ts": f"{time.time():.6f}",
            "channel_type": "im",
        }
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event": event,
                "event_id": f"Ev{next(_ids)}",
                "event_time": int(time.time()),
            }
        ).encode()
        return body, {"Content-Type": "application/json", **slack_signature(body)}

    def click(self, button: str) -> tuple[bytes, dict[str, str]]:
        """A button click arrives form-encoded, as an interactive `payload`."""
        payload = {
            "type": "block_actions",
            "user": {"id": f"U{self.ident}"},
            "channel": {"id": f"D{self.ident}"},
            "trigger_id": f"T{next(_ids)}",
            "actions": [{"type": "button", "value": button}],
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded", **slack_signature(body)}

    def replies(self, calls: list[Call]) -> list[str]:
        texts = []
        for call in calls:
            if (
                call.provider == "slack"
                and call.path == "chat.postMessage"
                and call.data.get("channel") == f"D{self.ident}"
            ):
                texts.append(call.data.get("text") or json.dumps(call.data.get("blocks")))
        return texts


class TwilioVisitor(Visitor):
    def request(self, text: str, button: str | None = None) -> tuple[bytes, dict[str, str]]:
        params = {
            "From": self.ident,
            "To": CHANNEL_ENV["TWILIO_NUMBER"],
            "Body": text,
            "MessageSid": f"SM{next(_ids)}",
            "AccountSid": CHANNEL_ENV["TWILIO_ACCOUNT_SID"],
            "NumMedia": "0",
        }
        signature = RequestValidator(CHANNEL_ENV["TWILIO_AUTH_TOKEN"]).compute_signature(self.url, params)
        return urllib.parse.urlencode(params).encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }

    def replies(self, calls: list[Call]) -> list[str]:
        return [c.data["Body"] for c in calls if c.provider == "twilio" and c.data.get("To") == self.ident]


def facebook_signatures(body: bytes) -> dict[str, str]:
    secret = CHANNEL_ENV["FACEBOOK_APP_SECRET"].encode()
    return {
        "X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
    }


def slack_signature(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp or int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(CHANNEL_ENV["SLACK_SIGNING_SECRET"].encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


VISITORS: dict[str, Callable[[Stack, FakeProviders], Visitor]] = {
    "telegram": lambda stack, fake: TelegramVisitor("telegram", stack, fake, str(next(_ids))),
    "facebook": lambda stack, fake: FacebookVisitor("facebook", stack, fake, str(next(_ids))),
    "slack": lambda stack, fake: SlackVisitor("slack", stack, fake, str(next(_ids))),
    "twilio": lambda stack, fake: TwilioVisitor("twilio", stack, fake, f"+1212555{next(_ids) % 10000:04d}"),
}


def stored(store: UnitOfWork, conversation: str) -> list[AppointmentRequest]:
    with store() as session:
        query = select(AppointmentRequest).where(AppointmentRequest.conversation_id == conversation)
        return list(session.execute(query).scalars())


@pytest.mark.parametrize("channel", list(VISITORS))
def test_a_patient_books_over_the_channel(
    channel: str, stack: Stack, providers: FakeProviders, stack_store: UnitOfWork
) -> None:
    visitor = VISITORS[channel](stack, providers)
    greeting = " ".join(visitor.says("hello"))
    assert "virtual assistant of Test Spine Clinic" in greeting
    assert "What is your full name?" in " ".join(visitor.says("I'd like to book an appointment"))
    day = next_open_day()
    for answer in ("Pat Lindqvist", "212 555 0147", "skip", f"{day:%B} {day.day}", "morning", "whiplash"):
        visitor.says(answer)
    review = " ".join(visitor.says("yes"))
    assert "Pat Lindqvist" in review and "+1 212-555-0147" in review
    code = find_code(" ".join(visitor.says("yes")))
    assert code, "the patient was not given a reference code"

    conversation = f"{channel}:{visitor.ident}" if channel != "slack" else f"slack:U{visitor.ident}"
    [row] = stored(stack_store, conversation)
    assert (row.reference, row.channel, row.full_name) == (code, channel, "Pat Lindqvist")
    assert (row.phone, row.reason, row.preferred_time) == ("+12125550147", "whiplash", "morning")


@pytest.mark.parametrize("channel", list(VISITORS))
@pytest.mark.parametrize("tamper", ["unsigned", "wrong"])
def test_an_unsigned_or_wrongly_signed_call_is_refused(
    channel: str, tamper: str, stack: Stack, providers: FakeProviders
) -> None:
    visitor = VISITORS[channel](stack, providers)
    body, headers = visitor.request("hello")
    signature_headers = {
        "X-Telegram-Bot-Api-Secret-Token",
        "X-Hub-Signature",
        "X-Hub-Signature-256",
        "X-Slack-Signature",
        "X-Twilio-Signature",
    }
    if tamper == "unsigned":
        headers = {k: v for k, v in headers.items() if k not in signature_headers}
    elif channel == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = "a-guessed-token"  # Telegram does not sign bodies
    else:
        body = body.replace(b"hello", b"HELLO")  # signed for other content
    mark = providers.mark()
    status, _ = post(visitor.url, body, headers)
    assert status == 403
    time.sleep(0.5)
    assert visitor.replies(providers.since(mark)) == []


def test_a_stale_slack_signature_is_refused(stack: Stack, providers: FakeProviders) -> None:
    visitor = SlackVisitor("slack", stack, providers, str(next(_ids)))
    body, headers = visitor.request("hello")
    headers.update(slack_signature(body, timestamp=int(time.time()) - 600))  # a replayed call
    assert post(visitor.url, body, headers)[0] == 403


def test_twilio_buttons_are_one_numbered_sms_and_a_number_picks_one(
    stack: Stack, providers: FakeProviders
) -> None:
    visitor = VISITORS["twilio"](stack, providers)
    greeting = visitor.says("hi")[-1]  # one SMS, buttons included (after the notice)
    assert "1. Request an appointment\n2. Ask for a callback\n3. Check a request" in greeting
    assert "What is your full name?" in " ".join(visitor.says("1"))
    visitor.says("stop")
    help_text = visitor.says("what can you do")[-1]  # the SMS variation of utter_help
    assert "Reply with a number" in help_text and "3. Check a request" in help_text
    assert "reference code" in " ".join(visitor.says("check a request"))


def test_telegram_registers_its_webhook_with_a_secret_token(stack: Stack, providers: FakeProviders) -> None:
    [registration] = [c for c in providers.since(0) if c.provider == "telegram" and c.path == "setWebhook"][
        :1
    ]
    assert registration.data["url"] == f"{stack.env['PUBLIC_URL']}/webhooks/telegram/webhook"
    assert registration.data["secret_token"] == telegram_secret_token(load_settings(stack.env))


def test_telegram_buttons_and_the_start_command(stack: Stack, providers: FakeProviders) -> None:
    visitor = VISITORS["telegram"](stack, providers)
    mark = providers.mark()
    assert "virtual assistant" in " ".join(visitor.says("/start"))
    payloads = [b["callback_data"] for b in visitor.buttons(providers.since(mark))]
    assert "/book_appointment" in payloads
    assert "What is your full name?" in " ".join(
        visitor.says("Request an appointment", button="/book_appointment")
    )


@pytest.mark.parametrize("channel", ["telegram", "facebook", "slack"])
def test_a_typed_intent_command_reaches_rasa_as_text_and_a_button_as_its_payload(
    channel: str, stack: Stack, providers: FakeProviders
) -> None:
    """bot.web forwards the provider's bytes; the connector drops the slash of what was typed."""
    visitor = VISITORS[channel](stack, providers)
    visitor.says('/book_appointment{"full_name": "Mallory"}')
    visitor.says("Request an appointment", button="/book_appointment")
    conversation = f"{channel}:{visitor.ident}" if channel != "slack" else f"slack:U{visitor.ident}"
    deadline = time.monotonic() + 10  # Rasa saves the tracker after sending its replies
    while len(told := stack.user_texts({conversation})) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert told == ['book_appointment{"full_name": "Mallory"}', "/book_appointment"]


def test_facebook_subscription_handshake(stack: Stack) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "31337",
        "hub.verify_token": CHANNEL_ENV["FACEBOOK_VERIFY_TOKEN"],
    }
    url = f"{stack.web_url}/webhooks/facebook/webhook?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read() == b"31337"
    query["hub.verify_token"] = "guess"
    url = f"{stack.web_url}/webhooks/facebook/webhook?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.read() != b"31337"
    except urllib.error.HTTPError as error:
        assert error.code >= 400


def test_only_messaging_channels_are_exposed(stack: Stack) -> None:
    body = json.dumps({"sender": "x", "message": "hello"}).encode()
    assert (
        post(f"{stack.web_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})[0] == 404
    )


def test_facebook_calls_signed_only_with_sha256_are_answered(stack: Stack, providers: FakeProviders) -> None:
    """Meta's newer header alone is enough: bot.web checks it, and so does the project's connector (Rasa's
    own checks only the older SHA-1 header)."""
    visitor = FacebookVisitor("facebook", stack, providers, str(next(_ids)))
    body, headers = visitor.request("hello")
    del headers["X-Hub-Signature"]
    mark = providers.mark()
    assert post(visitor.url, body, headers)[0] == 200
    assert "virtual assistant" in " ".join(
        providers.wait_for(mark, lambda calls: bool(visitor.replies(calls)))
        and visitor.replies(providers.since(mark))
    )


@pytest.mark.parametrize("channel", list(VISITORS))
def test_a_replayed_delivery_is_answered_200_but_not_handled_again(
    channel: str, stack: Stack, providers: FakeProviders, stack_store: UnitOfWork
) -> None:
    visitor = VISITORS[channel](stack, providers)
    body, headers = visitor.request("hello")
    mark = providers.mark()
    assert post(visitor.url, body, headers)[0] < 300
    providers.wait_for(mark, lambda calls: bool(visitor.replies(calls)))
    time.sleep(1)
    mark = providers.mark()
    status, _ = post(visitor.url, body, headers)  # captured and sent again, still validly signed
    assert status == 200
    time.sleep(3)
    assert visitor.replies(providers.since(mark)) == []
    with stack_store() as session:
        ids = session.execute(select(ProviderDelivery.message_id).where(ProviderDelivery.provider == channel))
        assert any(ident in body.decode() for ident in ids.scalars())


def test_a_twilio_call_with_a_field_given_twice_is_refused(stack: Stack, providers: FakeProviders) -> None:
    victim = TwilioVisitor("twilio", stack, providers, "+12125550133")
    body, headers = victim.request("hello")
    forged = b"From=%2B12125550134&Body=cancel+PRL-7KQ3MX&" + body  # Rasa reads the first copy
    mark = providers.mark()
    status, _ = post(victim.url, forged, headers)
    assert status == 400
    time.sleep(2)
    assert [c for c in providers.since(mark) if c.provider == "twilio"] == []
