"""Staff e-mail on new requests, against a real SMTP server started by the test (stdlib smtpd)."""

from __future__ import annotations

import asyncore
import email
import smtpd
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.booking import ActionSubmitRequest
from actions.lookup import VERIFIED, ActionCancelRequest
from bot.bench.servers import free_port
from bot.notifications.email import deliver_due_emails
from bot.request_service import change_status
from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest, OutboxMessage
from tests.actions.conftest import make_tracker
from tests.actions.test_booking import START, complete_slots

warnings.filterwarnings("ignore", category=DeprecationWarning)


class Inbox(smtpd.SMTPServer):
    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), None)
        self.received: list[email.message.Message] = []

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):  # type: ignore[no-untyped-def]
        self.received.append(email.message_from_bytes(data if isinstance(data, bytes) else data.encode()))


@pytest.fixture
def smtp_port(monkeypatch: pytest.MonkeyPatch) -> int:
    port = free_port()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("STAFF_NOTIFY_EMAIL", "desk@clinic.example")
    monkeypatch.setenv("PUBLIC_URL", "https://assistant.clinic.example")
    get_settings.cache_clear()
    return port


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    server = Inbox(smtp_port)
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    yield server
    server.close()
    thread.join(timeout=5)


async def submit(domain: dict) -> None:
    await ActionSubmitRequest().run(
        CollectingDispatcher(), make_tracker(complete_slots(), events=[START]), domain
    )


def outbox_events(store: UnitOfWork) -> list[tuple[str, str]]:
    with store() as session:
        return [(m.channel, m.event) for m in session.execute(select(OutboxMessage)).scalars()]


def outbox(store: UnitOfWork) -> list[tuple[str, int]]:
    with store() as session:
        return [(m.status, m.attempts) for m in session.execute(select(OutboxMessage)).scalars()]


async def test_a_new_request_is_mailed_to_staff_without_patient_details(
    domain: dict, store: UnitOfWork, inbox: Inbox
) -> None:
    await submit(domain)
    assert outbox(store) == [("pending", 0)]
    assert deliver_due_emails(get_settings(), store) == (1, 0)
    [mail] = inbox.received
    with store() as session:
        reference = session.execute(select(AppointmentRequest.reference)).scalar_one()
    assert mail["To"] == "desk@clinic.example"
    assert mail["Subject"] == "New appointment request from the website assistant"
    body = mail.get_payload(decode=True).decode()
    assert f"https://assistant.clinic.example/staff/requests/{reference}" in body
    for detail in ("Jane", "Smith", "212", "jane@example.org", "sciatica"):
        assert detail not in mail["Subject"] and detail not in body
    assert outbox(store) == [("sent", 1)]
    assert deliver_due_emails(get_settings(), store) == (0, 0)  # sent once


async def test_a_visitors_cancel_is_mailed_to_staff_without_patient_details(
    domain: dict, store: UnitOfWork, inbox: Inbox
) -> None:
    await submit(domain)
    with store() as session:
        request = session.execute(select(AppointmentRequest)).scalar_one()
        reference, sender = request.reference, request.conversation_id
    slots = {"lookup_purpose": "cancel", "lookup_reference": reference, "lookup_contact": VERIFIED}
    await ActionCancelRequest().run(CollectingDispatcher(), make_tracker(slots, sender=sender), domain)
    assert deliver_due_emails(get_settings(), store) == (2, 0)
    cancelled = inbox.received[-1]
    assert cancelled["Subject"] == "An appointment request was cancelled by the visitor"
    body = cancelled.get_payload(decode=True).decode()
    assert f"https://assistant.clinic.example/staff/requests/{reference}" in body
    for detail in ("Jane", "Smith", "212", "jane@example.org", "sciatica"):
        assert detail not in cancelled["Subject"] and detail not in body


async def test_a_staff_move_is_not_mailed(domain: dict, store: UnitOfWork, inbox: Inbox) -> None:
    await submit(domain)
    with store() as session:
        reference = session.execute(select(AppointmentRequest.reference)).scalar_one()
    change_status(store, get_settings(), reference, "contacted", actor="staff:alice")
    assert [event for _, event in outbox_events(store)] == ["request.created"]


async def test_a_failing_mail_server_is_retried_later_and_loses_nothing(
    domain: dict, store: UnitOfWork, smtp_port: int
) -> None:
    await submit(domain)  # nothing listens on the SMTP port yet
    now = datetime.now(timezone.utc)
    assert deliver_due_emails(get_settings(), store, now=now) == (0, 1)
    with store() as session:
        message = session.execute(select(OutboxMessage)).scalar_one()
        assert message.attempts == 1 and message.status == "pending" and message.last_error
        assert message.next_attempt_at.replace(tzinfo=timezone.utc) > now + timedelta(seconds=20)
        assert session.execute(select(AppointmentRequest)).scalar_one().full_name == "Jane Smith"
    assert deliver_due_emails(get_settings(), store, now=now) == (0, 0)  # not due yet

    server = Inbox(smtp_port)
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    try:
        assert deliver_due_emails(get_settings(), store, now=now + timedelta(minutes=5)) == (1, 0)
        assert len(server.received) == 1
    finally:
        server.close()
        thread.join(timeout=5)
    assert outbox(store) == [("sent", 2)]


async def test_without_smtp_settings_nothing_is_queued(domain: dict, store: UnitOfWork) -> None:
    await submit(domain)
    assert outbox(store) == []
