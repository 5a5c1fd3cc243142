"""Bad input at the real `/chat`: whatever a visitor sends, the answer is JSON, never a 5xx, and
nothing sent this way reaches the appointment store or Rasa as an `/intent` command.

Rasa is up for the whole run, so a 503 (the proxy's outage answer) would be a real failure too.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest
from bot.web.app import TOKEN_HEADER
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

GENUINE = "<a genuine token of a live conversation>"
CONTENT_TYPES = (
    None,
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "image/png",
)


@dataclass(frozen=True)
class Case:
    body: bytes
    content_type: str | None = "application/json"
    token: bytes | str | None = None
    label: str = field(default="", compare=False)


def said(message: object, **extra: object) -> bytes:
    return json.dumps({"message": message, **extra}).encode()


INJECTIONS = (
    "/affirm",
    '/book_appointment{"full_name":"x"}',
    '/inform{"full_name": "Injected Person", "phone": "+12125550100"}',
    "/ /affirm",
    " //affirm",
    "/\u00a0/affirm",
    "/\t/\n/affirm",
    "\u200b/affirm",
    "/restart",
    "/session_start",
)

EXPLICIT = (
    Case(b"", label="empty body"),
    Case(b" \n\t ", label="whitespace body"),
    Case(said("   \n\t  "), label="whitespace message"),
    Case(said(""), label="empty message"),
    Case(said("a" * 10_000), label="10,000 characters"),
    Case(said("a" * 1_001), label="just over the message limit"),
    Case(b"x" * 10_000, label="10,000 bytes of not JSON"),
    Case(json.dumps({"message": "\U0001f642" * 999}, ensure_ascii=False).encode(), label="999 emoji"),
    Case(b"{message: hi}", label="invalid JSON"),
    Case(b'{"message": "hi"', label="truncated JSON"),
    Case(b"NaN", label="NaN"),
    Case(b'["hello"]', label="a list"),
    Case(b"42", label="a number"),
    Case(b'"hello"', label="a string"),
    Case(b"null", label="null"),
    Case(b"true", label="a boolean"),
    Case(b"[" * 5_000, label="deeply nested list"),
    Case(b'{"message": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", label="deeply nested message"),
    Case(b'{"message": "\xff\xfe"}', label="invalid UTF-8 in a string"),
    Case(b"\xc3\x28\xa0\xa1", label="invalid UTF-8 bytes"),
    Case(b"\xef\xbb\xbf" + said("hello"), label="UTF-8 byte order mark"),
    Case(said("hi\u0000there"), label="escaped NUL"),
    Case(b'{"message": "hi\x00there"}', label="raw NUL in a string"),
    Case(b"\x00" * 64, label="NUL bytes"),
    Case(b'{"message": "\\ud800"}', label="lone surrogate"),
    Case(b'{"message": "ok \\udfff\\ud83d"}', label="reversed surrogates"),
    Case(
        said("Book me \U0001f9b4\U0001fa7a please \U0001f468\u200d\U0001f469\u200d\U0001f467"), label="emoji"
    ),
    Case(
        json.dumps(
            {"message": "\u0623\u0631\u064a\u062f \u062d\u062c\u0632 \u0645\u0648\u0639\u062f"}
        ).encode(),
        label="right-to-left",
    ),
    Case(said("\u202eevil\u202c and \u2066isolated\u2069"), label="bidi controls"),
    Case(said("<script>alert(document.cookie)</script>"), label="script tag"),
    Case(said("'; DROP TABLE appointment_requests; --"), label="SQL"),
    Case(said("1' OR '1'='1"), label="SQL tautology"),
    Case(said("{{7*7}} ${7*7} %s %n"), label="template and format strings"),
    *(Case(said(injection), label=f"injection {injection!r}") for injection in INJECTIONS),
    *(
        Case(said(injection), token=GENUINE, label=f"injection in a live conversation {injection!r}")
        for injection in INJECTIONS
    ),
    Case(json.dumps({"payload": "/affirm", "signature": "forged"}).encode(), label="forged signature"),
    Case(json.dumps({"payload": "/book_appointment", "signature": ""}).encode(), label="empty signature"),
    Case(json.dumps({"payload": "/affirm"}).encode(), label="payload without signature"),
    Case(json.dumps({"payload": "/affirm", "signature": "x"}).encode(), token=GENUINE, label="forged, live"),
    Case(json.dumps({"payload": 5, "signature": 5}).encode(), label="numeric payload"),
    Case(json.dumps({"payload": None}).encode(), label="null payload"),
    Case(json.dumps({"payload": "/affirm", "signature": ["x"]}).encode(), label="list signature"),
    Case(b'{"payload": "\\ud800", "signature": "x"}', label="lone surrogate payload"),
    Case(said({"text": "hi"}), label="message is an object"),
    Case(said(["hi"]), label="message is a list"),
    Case(said(12), label="message is a number"),
    Case(said(None), label="message is null"),
    Case(said("hi", sender="victim", metadata={"admin": True}), label="chosen sender"),
    Case(said("hello"), token="web-" + "a" * 8_000 + ".x", label="huge token"),
    Case(said("hello"), token="web-abc.def", label="forged token"),
    Case(said("hello"), token="web-abc", label="token without a signature"),
    Case(said("hello"), token="web-a.b.c", label="token with two dots"),
    Case(said("hello"), token="someone-else.AAAA", label="token without the web- prefix"),
    Case(said("hello"), token=b"web-\xe9\xff.\xfe", label="latin-1 token"),
    Case(said("hello"), content_type="text/plain", label="text/plain"),
    Case(b"message=hello", content_type="application/x-www-form-urlencoded", label="a form"),
    Case(
        b'--xyz\r\nContent-Disposition: form-data; name="message"\r\n\r\nhello\r\n--xyz--\r\n',
        content_type="multipart/form-data; boundary=xyz",
        label="multipart",
    ),
    Case(said("hello"), content_type="image/png", label="image/png"),
    Case(said("hello"), content_type=None, label="no content type"),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
header_bytes = st.binary(max_size=300).map(
    lambda raw: bytes(b for b in raw if 0x21 <= b <= 0x7E or b >= 0x80)
)
bodies = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(said),
    st.text(max_size=300).map(lambda t: json.dumps({"message": t}, ensure_ascii=False).encode()),
    st.builds(
        lambda space, name, rest: said(f"{space}/{name}{rest}"),
        st.sampled_from(["", " ", "/", " / ", "\n/"]),
        st.sampled_from(["affirm", "book_appointment", "inform", "stop", "restart"]),
        st.text(max_size=60),
    ),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(
        lambda payload, signature: json.dumps({"payload": payload, "signature": signature}).encode(),
        json_values,
        json_values,
    ),
)
cases = st.builds(
    Case,
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    token=st.none() | st.just(GENUINE) | header_bytes | header_bytes.map(lambda b: b"web-" + b + b".x"),
)


def stored_requests(store: UnitOfWork) -> int:
    with store() as session:
        return session.execute(select(func.count()).select_from(AppointmentRequest)).scalar_one()


def test_chat_answers_any_input_with_json_and_stores_nothing(stack: Stack, stack_store: UnitOfWork) -> None:
    before = stored_requests(stack_store)
    created: set[str] = set()
    addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())

    with httpx.Client(base_url=stack.web_url, timeout=60) as client:

        def post(case: Case, token: bytes | str | None) -> httpx.Response:
            headers: dict[str, str | bytes] = {"X-Forwarded-For": next(addresses)}
            if case.content_type:
                headers["Content-Type"] = case.content_type
            if token is not None:
                headers[TOKEN_HEADER] = token
            return client.post("/chat", content=case.body, headers=headers)

        opened = post(Case(said("hello")), None)
        assert opened.status_code == 200, opened.text
        genuine = opened.json()["token"]
        created.add(genuine.split(".")[0])

        @settings(max_examples=150, deadline=None, derandomize=True, database=None)
        @given(case=cases)
        def answers_in_json(case: Case) -> None:
            response = post(case, genuine if case.token == GENUINE else case.token)
            assert response.status_code < 500, (case.label, response.status_code, response.text[:300])
            assert response.headers["content-type"].startswith("application/json"), case.label
            body = response.json()
            assert isinstance(body, dict) and ("messages" in body or "error" in body), (case.label, body)
            if response.status_code == 200:
                assert isinstance(body["messages"], list) and body["token"]
                created.add(body["token"].split(".")[0])
            else:
                assert isinstance(body["error"], str) and body["error"], case.label

        for explicit in reversed(EXPLICIT):
            answers_in_json = example(case=explicit)(answers_in_json)
        answers_in_json()

    assert len(created) > 10, "hardly any fuzzed message reached Rasa: the test would prove little"
    told = stack.user_texts(created)
    assert told, "Rasa's tracker shows none of the fuzzed conversations"
    assert [t for t in told if t.strip().startswith("/")] == [], "an /intent command reached Rasa"
    with stack_store() as session:
        stored = session.execute(
            select(AppointmentRequest.reference).where(AppointmentRequest.conversation_id.in_(created))
        ).all()
    assert stored == []
    assert stored_requests(stack_store) == before


def test_a_yes_out_of_context_gets_one_answer_and_the_conversation_goes_on(stack: Stack) -> None:
    """Found by the fuzz: "yes" after the greeting made the fallback repeat ten times until Rasa's
    circuit breaker ended the conversation, and every later message got the outage answer."""
    with httpx.Client(base_url=stack.web_url, timeout=60) as client:
        headers = {"X-Forwarded-For": "198.18.255.1"}
        greeted = client.post("/chat", json={"message": "hello"}, headers=headers).json()
        headers[TOKEN_HEADER] = greeted["token"]
        for _ in range(2):
            answer = client.post("/chat", json={"message": "yes"}, headers=headers)
            assert answer.status_code == 200 and len(answer.json()["messages"]) == 1, answer.text
        going_on = client.post("/chat", json={"message": "I'd like to book an appointment"}, headers=headers)
        assert going_on.status_code == 200, going_on.text
        assert any("full name" in message["text"] for message in going_on.json()["messages"])
