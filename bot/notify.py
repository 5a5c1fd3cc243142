"""Staff e-mail about new requests, delivered from the outbox with retries.

The e-mail names no patient: its subject is generic and its body links to the request's page in the
staff dashboard, which needs a login.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timezone
from email.message import EmailMessage

from bot.settings import Settings, SmtpSettings
from bot.store.db import UnitOfWork
from bot.store.outbox import due, mark_failed, mark_sent
from bot.store.schema import AppointmentRequest, OutboxMessage

logger = logging.getLogger(__name__)

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
    """Send the e-mails that are due; returns (sent, failed). Each is its own unit of work."""
    if settings.smtp is None:
        return 0, 0
    moment = now or datetime.now(timezone.utc)
    with uow() as session:
        ids = [message.id for message in due(session, EMAIL, moment)]
    sent = failed = 0
    for message_id in ids:
        with uow() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.status != "pending":
                continue
            request = session.get(AppointmentRequest, message.request_id)
            try:
                send(settings.smtp, compose(settings, settings.smtp, request))
            except (OSError, smtplib.SMTPException) as error:
                mark_failed(message, f"{type(error).__name__}: {error}", moment)
                logger.warning(
                    "staff e-mail for request %s failed (attempt %s): %s",
                    request.reference,
                    message.attempts,
                    type(error).__name__,
                )
                failed += 1
            else:
                mark_sent(message)
                sent += 1
    return sent, failed
