"""What a patient tells the assistant stays out of the logs: a whole booking, a lookup by code and a
staff search for the patient, then every log the stack wrote is searched for what was planted.

At the default log level nothing may match: logs are kept longer and read by more people than the
appointment store, which is where contact details belong.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from sqlalchemy import select

from bot.settings import VAR_DIR
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest
from bot.web.app import TOKEN_HEADER
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

PASSWORD = "a long staff password for the privacy check"
FIRST, LAST = "Quillon", "Vexbridge"
PHONE_TYPED, PHONE_DIGITS, PHONE_E164 = "212 555 0143", "2125550143", "+12125550143"
EMAIL = "quillon.vexbridge@example.org"
REASON_WORD = "Zorbelquist"
REASON = f"aching lower back since hauling the {REASON_WORD} harpsichord upstairs"


class Visitor:
    """One visitor at the public /chat, keeping its conversation token like the widget does."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.token: str | None = None
        self.address = f"198.19.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"

    def say(self, text: str) -> str:
        headers = {"X-Forwarded-For": self.address}
        if self.token:
            headers[TOKEN_HEADER] = self.token
        response = self.client.post("/chat", json={"message": text}, headers=headers)
        assert response.status_code == 200, (text, response.status_code, response.text)
        body = response.json()
        self.token = body["token"]
        return " ".join(message["text"] for message in body["messages"])

    @property
    def conversation(self) -> str:
        assert self.token
        return self.token.split(".")[0]


def planted() -> dict[str, str]:
    return {
        "full name": f"{FIRST} {LAST}",
        "first name": FIRST,
        "last name": LAST,
        "phone as typed": PHONE_TYPED,
        "phone digits": PHONE_DIGITS,
        "phone in E.164": PHONE_E164,
        "phone as shown": "212-555-0143",
        "e-mail": EMAIL,
        "e-mail in a URL": quote(EMAIL, safe=""),
        "e-mail in a form": quote_plus(EMAIL),
        "reason word": REASON_WORD,
        "reason": REASON,
    }


def logs_of(stack: Stack) -> list[Path]:
    """The launcher's combined log (Rasa, the action server and bot.web) and any other *.log it left."""
    found = {stack.log}
    for folder in (stack.log.parent, VAR_DIR):
        if folder.exists():
            found.update(path for path in folder.rglob("*.log") if path.is_file())
    return sorted(found)


def staff_login(client: httpx.Client, username: str) -> None:
    form = client.get("/staff/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text[:500]
    response = client.post(
        "/staff/login", data={"csrf": csrf.group(1), "username": username, "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff", response.text[:500]


def test_nothing_a_patient_typed_reaches_the_logs(stack: Stack, stack_store: UnitOfWork) -> None:
    day = next_open_day()
    with httpx.Client(base_url=stack.web_url, timeout=60) as client:
        patient = Visitor(client)
        patient.say("hello")
        assert "full name" in patient.say("I'd like to book an appointment")
        assert "phone number" in patient.say(f"{FIRST} {LAST}")
        assert "e-mail" in patient.say(PHONE_TYPED)
        assert "Which day" in patient.say(EMAIL)
        patient.say(f"{day:%B} {day.day}")
        assert "reason" in patient.say("afternoon")
        review = patient.say(REASON)
        if "Shall I send it" not in review:  # the consent question comes first
            review = patient.say("yes")
        assert "Shall I send it" in review and f"{FIRST} {LAST}" in review, review
        code = find_code(patient.say("yes"))
        assert code

        stranger = Visitor(client)
        assert "phone number or e-mail" in stranger.say(f"what's the status of {code}?")
        assert code in stranger.say(EMAIL)

    with stack_store() as session:
        [row] = session.execute(
            select(AppointmentRequest).where(AppointmentRequest.conversation_id == patient.conversation)
        ).scalars()
        assert (row.full_name, row.phone, row.email) == (f"{FIRST} {LAST}", PHONE_E164, EMAIL)
        assert REASON_WORD in row.reason

    username = f"privacy{uuid.uuid4().hex[:8]}"
    stack.add_staff_user(username, PASSWORD)
    with httpx.Client(base_url=stack.web_url, timeout=60) as staff:
        staff_login(staff, username)
        for query in (LAST, f"{FIRST} {LAST}", EMAIL, PHONE_DIGITS):
            found = staff.get("/staff", params={"q": query})
            assert found.status_code == 200 and code in found.text, query
        assert staff.get(f"/staff/requests/{code}").status_code == 200

    # Messaging channels hand Rasa the text as typed, and Rasa warns about a malformed "/command"
    # quoting it (its REST channel stands in for them here).
    stack.say(f"privacy-{uuid.uuid4().hex[:8]}", f"/{FIRST} {LAST} {PHONE_TYPED}")
    stack.say(f"privacy-{uuid.uuid4().hex[:8]}", f"/@{LAST} {EMAIL}")

    written = {path: path.read_text(errors="replace") for path in logs_of(stack)}
    combined = written[stack.log]
    assert f'"GET /staff/requests/{code} HTTP/1.1" 200' in combined, "no access log to check"
    assert "Failed to parse a '/' message [withheld]" in combined, "Rasa's warning did not come"
    assert '"user_text": "[withheld]"' in combined, "Rasa's structured warning did not come"
    leaks = [
        f"{path.name}: {what} ({line.strip()[:200]})"
        for path, content in written.items()
        for what, value in planted().items()
        for line in content.splitlines()
        if value.lower() in line.lower()
    ]
    assert leaks == []
