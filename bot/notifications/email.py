"""Staff e-mail about new requests and visitors' own cancellations, delivered from the outbox with retries.

The e-mail names no patient: its subject is generic and its body links to the request's page in the
staff dashboard, which needs a login.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from bot.notifications.delivery import DeliveryFailed, deliver_due
from bot.settings import Settings, SmtpSettings
from bot.store.db import UnitOfWork
from bot.store.outbox import CREATED, STATUS_CHANGED, enqueue
from bot.store.schema import AppointmentRequest, OutboxMessage

EMAIL = "email"
SMTP_TIMEOUT_S = 10


def announce(session: Session, settings: Settings, request: AppointmentRequest, event: str) -> None:
    """Queue the staff e-mail, if SMTP is configured (same transaction as the change).

    Called by `bot.request_service`, which decides which changes staff hear of by e-mail.
    """
    if settings.smtp:
        enqueue(session, request, EMAIL, event)


def compose(
    settings: Settings, smtp: SmtpSettings, request: AppointmentRequest, event: str = CREATED
) -> EmailMessage:
    message = EmailMessage()
    what = "callback request" if request.kind == "callback" else "appointment request"
    if event == STATUS_CHANGED:  # only the visitor's own cancel is e-mailed; staff made the others
        one = ("An " if what.startswith("appointment") else "A ") + what
        subject, news = f"{one} was cancelled by the visitor", f"{one} was cancelled in chat"
    else:
        subject, news = f"New {what} from the website assistant", f"A new {what} has arrived"
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = smtp.recipient
    message.set_content(
        f"{news} for {settings.practice_name}.\n\n"
        f"Open it in the staff dashboard (login required):\n"
        f"{settings.public_url}/staff/requests/{request.reference}\n"
    )
    return message


def send_with_smtp(smtp: SmtpSettings, message: EmailMessage) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S) as connection:
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
        if smtp.username and smtp.password:
            connection.login(smtp.username, smtp.password)
        connection.send_message(message)


def deliver_due_emails(
    settings: Settings,
    uow: UnitOfWork,
    send: Callable[[SmtpSettings, EmailMessage], None] = send_with_smtp,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Send the staff e-mails that are due; returns (sent, failed)."""
    smtp = settings.smtp
    if smtp is None:
        return 0, 0

    def send_one(message: OutboxMessage, request: AppointmentRequest) -> None:
        try:
            send(smtp, compose(settings, smtp, request, message.event))
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error

    return deliver_due(uow, EMAIL, send_one, now)
