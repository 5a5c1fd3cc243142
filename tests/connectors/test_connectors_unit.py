"""Channel plumbing without a server: signatures, numbered choices, the files Rasa runs with."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from bot.connectors.choices import as_typed, numbered, picked
from bot.connectors.namespace import namespaced, provider_id
from bot.connectors.socketio import new_session, session_of
from bot.ops import runtime_config
from bot.ops.runtime_config import credentials, endpoints, write_runtime_files
from bot.settings import ROOT, load_settings
from bot.web.app import create_app
from bot.web.provider_webhooks import as_typed_and_resigned, telegram_as_typed
from bot.web.signatures import facebook_is_genuine, slack_is_genuine, telegram_is_genuine, twilio_is_genuine
from tests.conftest import TEST_ENV

BUTTONS = [
    {"title": "Morning", "payload": "morning"},
    {"title": "Afternoon", "payload": "afternoon"},
    {"title": "Any time", "payload": "any time"},
]
CHANNELS = {
    "SLACK_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "slack-secret",
    "TELEGRAM_ACCESS_TOKEN": "1:abc",
    "TELEGRAM_BOT_NAME": "clinic_bot",
    "FACEBOOK_VERIFY_TOKEN": "verify",
    "FACEBOOK_APP_SECRET": "fb-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "page",
    "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_AUTH_TOKEN": "twilio-secret",
    "TWILIO_NUMBER": "+15550100999",
}


def test_buttons_become_one_numbered_list() -> None:
    assert numbered("When?", BUTTONS) == "When?\n1. Morning\n2. Afternoon\n3. Any time"
    assert numbered("Or:", BUTTONS[:1], first=4) == "Or:\n4. Morning"


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("2", "afternoon"),
        (" 3. ", "any time"),
        ("1)", "morning"),
        ("afternoon", "afternoon"),
        ("Any time!", "any time"),
        ("4", None),
        ("0", None),
        ("tomorrow afternoon", None),
        ("", None),
        ("²", None),
    ],
)
def test_a_reply_picks_by_number_or_words(reply: str, payload: str | None) -> None:
    assert picked(reply, BUTTONS) == payload


def test_typed_text_is_never_an_intent_command() -> None:
    assert as_typed(' /affirm{"x": 1} ') == 'affirm{"x": 1}'
    assert as_typed("/ /affirm") == "affirm"
    assert as_typed("my back hurts") == "my back hurts"


def test_twilio_signature() -> None:
    url, params = "https://assistant.example/webhooks/twilio/webhook", [("Body", "hi"), ("From", "+1555")]
    base = url + "".join(k + v for k, v in sorted(params))
    good = base64.b64encode(hmac.new(b"twilio-secret", base.encode(), hashlib.sha1).digest()).decode()
    assert twilio_is_genuine("twilio-secret", url, params, good)
    assert not twilio_is_genuine("twilio-secret", url, [("Body", "HI"), ("From", "+1555")], good)
    assert not twilio_is_genuine("other", url, params, good)
    assert not twilio_is_genuine("twilio-secret", url, params, None)


def test_slack_signature_and_its_age() -> None:
    body, now = b'{"type":"event_callback"}', 1_800_000_000
    good = "v0=" + hmac.new(b"slack-secret", f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
    assert slack_is_genuine("slack-secret", str(now), body, good, now=now + 10)
    assert not slack_is_genuine("slack-secret", str(now), body, good, now=now + 301)  # replayed later
    assert not slack_is_genuine("slack-secret", str(now), body + b" ", good, now=now)
    assert not slack_is_genuine("slack-secret", "soon", body, good, now=now)
    assert not slack_is_genuine("slack-secret", None, body, None, now=now)


def test_facebook_signature_prefers_sha256() -> None:
    body = b'{"object":"page"}'
    sha256 = "sha256=" + hmac.new(b"fb-secret", body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(b"fb-secret", body, hashlib.sha1).hexdigest()
    assert facebook_is_genuine("fb-secret", body, sha256, sha1)
    assert facebook_is_genuine("fb-secret", body, None, sha1)
    assert not facebook_is_genuine("fb-secret", body, "sha256=" + "0" * 64, sha1)  # a bad new one decides
    assert not facebook_is_genuine("fb-secret", body, sha1, None)  # wrong algorithm label
    assert not facebook_is_genuine("fb-secret", body, None, None)


def test_telegram_secret_token() -> None:
    assert telegram_is_genuine("token-1", "token-1")
    assert not telegram_is_genuine("token-1", "token-2")
    assert not telegram_is_genuine("token-1", None)


def test_telegram_start_and_typed_commands() -> None:
    update = {"message": {"text": "/start"}, "update_id": 1}
    assert json.loads(telegram_as_typed(json.dumps(update).encode()))["message"]["text"] == "hi"
    update = {"message": {"text": "/affirm"}}
    assert json.loads(telegram_as_typed(json.dumps(update).encode()))["message"]["text"] == "affirm"
    pressed = {"callback_query": {"data": "/book_appointment"}}
    assert json.loads(telegram_as_typed(json.dumps(pressed).encode())) == pressed
    with pytest.raises(ValueError):
        telegram_as_typed(b"not json")


def test_rasa_files_carry_only_the_channels_that_are_on() -> None:
    plain = load_settings(TEST_ENV)
    assert set(credentials(plain)) == {
        "bot.connectors.rest.OwnIdsRestInput",
        "bot.connectors.socketio.PersistentSocketIOInput",
    }
    assert "lock_store" not in endpoints(plain)

    settings = load_settings({**TEST_ENV, **CHANNELS, "LOCK_STORE_URL": "redis://:pw@cache:6380/3"})
    config = credentials(settings)
    assert config[runtime_config.SLACK_CONNECTOR] == {
        "slack_token": "xoxb-1",
        "slack_signing_secret": "slack-secret",
    }
    assert config[runtime_config.TWILIO_CONNECTOR]["twilio_number"] == "+15550100999"
    telegram = config[runtime_config.TELEGRAM_CONNECTOR]
    assert telegram["webhook_url"] == f"{settings.public_url}/webhooks/telegram/webhook"
    assert len(telegram["secret_token"]) >= 32
    assert config[runtime_config.FACEBOOK_CONNECTOR]["page-access-token"] == "page"
    lock = endpoints(settings)["lock_store"]
    assert (lock["type"], lock["url"], lock["port"], lock["db"], lock["password"]) == (
        "redis",
        "cache",
        6380,
        3,
        "pw",
    )
    assert endpoints(settings)["action_endpoint"]["url"] == "${ACTION_SERVER_URL}"  # Rasa substitutes it
    assert endpoints(settings)["action_endpoint"]["headers"] == {
        "X-Action-Server-Token": "${ACTION_SERVER_TOKEN}"
    }


def test_rasa_files_are_private_and_named_by_content(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runtime_config, "RUNTIME_DIR", tmp_path)
    settings = load_settings({**TEST_ENV, **CHANNELS})
    first = write_runtime_files(settings)
    assert write_runtime_files(settings) == first
    other = write_runtime_files(load_settings(TEST_ENV))
    assert other[1] != first[1]
    for path in (*first, *other):
        assert path.stat().st_mode & 0o077 == 0
    assert "url: ${ACTION_SERVER_URL}" in first[0].read_text()  # unquoted, as Rasa needs
    assert yaml.safe_load(first[1].read_text())[runtime_config.SLACK_CONNECTOR]["slack_token"] == "xoxb-1"

    stale = tmp_path / "credentials-000000000000.yml"
    stale.write_text("old: secret")
    os.utime(stale, (0, 0))
    write_runtime_files(load_settings({**TEST_ENV, "SLACK_TOKEN": "b", "SLACK_SIGNING_SECRET": "c"}))
    assert not stale.exists() and first[1].exists()  # a day-old copy goes, a current one stays


def test_every_response_has_at_most_three_buttons() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        for variation in variations:
            assert len(variation.get("buttons", [])) <= 3, name


def test_the_webhook_route_refuses_what_is_not_a_signed_enabled_channel() -> None:
    settings = load_settings({**TEST_ENV, **CHANNELS, "RASA_URLS": "http://127.0.0.1:9"})
    with TestClient(create_app(settings)) as client:
        assert client.post("/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}).status_code == 404
        assert client.post("/webhooks/twilio/webhook", data={"Body": "hi"}).status_code == 403
        assert client.get("/webhooks/slack/webhook").status_code == 405
        assert client.post("/webhooks/slack/webhook", content=b"x" * 300_000).status_code == 413
    settings = load_settings({**TEST_ENV, "RASA_URLS": "http://127.0.0.1:9"})
    with TestClient(create_app(settings)) as client:
        assert client.post("/webhooks/twilio/webhook", data={"Body": "hi"}).status_code == 404


def test_typed_commands_are_stripped_on_slack_and_facebook_and_signed_again() -> None:
    settings = load_settings({**TEST_ENV, **CHANNELS})
    slack = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "/affirm"}}).encode()
    headers = {"x-slack-request-timestamp": "1800000000"}
    changed = as_typed_and_resigned(settings, "slack", slack, headers)
    assert json.loads(changed)["event"]["text"] == "affirm"
    assert slack_is_genuine(
        "slack-secret", "1800000000", changed, headers["x-slack-signature"], now=1_800_000_000
    )
    plain = json.dumps({"event": {"type": "message", "text": "hello"}}).encode()
    assert as_typed_and_resigned(settings, "slack", plain, {}) == plain  # Slack's own signature still holds

    event = {"sender": {"id": "1"}, "message": {"text": " /deny"}}
    button = {"sender": {"id": "1"}, "message": {"text": "Yes", "quick_reply": {"payload": "/affirm"}}}
    postback = {"sender": {"id": "1"}, "postback": {"payload": "/affirm"}}
    body = json.dumps({"object": "page", "entry": [{"messaging": [event, button, postback]}]}).encode()
    headers = {}
    changed = as_typed_and_resigned(settings, "facebook", body, headers)
    events = json.loads(changed)["entry"][0]["messaging"]
    assert [events[0]["message"]["text"], events[1]["message"]["text"], events[2]] == [
        "deny",
        "Yes",
        postback,
    ]
    assert facebook_is_genuine("fb-secret", changed, headers["x-hub-signature-256"], None)
    assert facebook_is_genuine("fb-secret", changed, None, headers["x-hub-signature"])  # what Rasa checks


def test_conversation_ids_are_namespaced_and_replies_go_to_the_providers_id() -> None:
    assert namespaced("twilio", "+12125550148") == "twilio:+12125550148"
    assert provider_id("twilio:+12125550148") == "+12125550148"
    assert provider_id("slack:U1:extra") == "U1:extra"


def test_socketio_sessions_are_ours_only() -> None:
    token = new_session("k")
    ident = session_of("k", token)
    assert ident and ident.startswith("sio-")
    assert session_of("other-key", token) is None
    for forged in ("+12125550148", "web-abc.def", f"{ident}.forged", "sio-x.é", None, 5, "a" * 300):
        assert session_of("k", forged) is None
