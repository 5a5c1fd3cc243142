"""Staff e-mail about new requests, delivered from the outbox with retries.

The e-mail names no patient: its subject is generic and its body links to the request's page in the
staff dashboard, which needs a login.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from bot.delivery import DeliveryFailed, deliver_due
from bot.settings import Settings, SmtpSettings
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest, OutboxMessage

EMAIL = "email"
SMTP_TIMEOUT_S = 10


def compose(settings: Settings, smtp: SmtpSettings, request: AppointmentRequest) -> EmailMessage:
    message = EmailMessage()
    what = "callback request" if request.kind == "callback" else "appointment request"
    message["Subject"] = f"New {what} from the website assistant"
    message["From"] = smtp.sender
    message["To"] = smtp.recipient
    message.set_content(
        f"A new {what} has arrived for {settings.practice_name}.\n\n"
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
            send(smtp, compose(settings, smtp, request))
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error

    return deliver_due(uow, EMAIL, send_one, now)
