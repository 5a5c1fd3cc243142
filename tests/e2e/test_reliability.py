"""No lost requests: the real stack on PostgreSQL behind a TCP proxy the tests switch off, and kill -9.

One launcher serves the module (restarted after each kill, since a killed service stops the stack).
The appointment database is a private PostgreSQL database reached through `TcpProxy`; Rasa's tracker
store is a SQLite file that outlives every restart, as it would in production.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rasa_sdk
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.bench.scripts import booking
from bot.bench.servers import free_port
from bot.launcher import port_is_free
from bot.ops.runtime_config import action_server_token
from bot.settings import ROOT, load_settings
from bot.store.codes import find_code
from bot.store.db import UnitOfWork, make_engine
from bot.store.schema import AppointmentRequest
from bot.store.spool import Spool
from tests.conftest import next_open_day
from tests.e2e.conftest import START_TIMEOUT_S, launcher_env
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

STOPS_WITHIN_S = 30
SERVICES = {  # how each child of the launcher is recognised in its command line
    "Rasa server": " run --model ",
    "action server": "-m bot.rasa.action_server",
    "web server": "-m bot.web",
}


@dataclass
class Launcher:
    """`python -m bot.launcher run` with one environment, started again after it stops."""

    env: dict[str, str]
    folder: Path
    process: subprocess.Popen | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self._free_ports()
        self.starts += 1
        log = self.folder / f"launcher-{self.starts}.log"
        self.logs.append(log)
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.launcher", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while "The assistant is running" not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"the launcher did not start the stack:\n{self.tail()}")
            time.sleep(0.5)

    def _free_ports(self) -> None:
        """The same ports if they are free again, else fresh ones (the databases and spool stay).

        After a kill, the old ports stay in TIME_WAIT for up to a minute, and the launcher's
        `port_is_free` (a bind without SO_REUSEADDR) refuses them meanwhile.
        """
        names = ("RASA_PORT", "ACTION_PORT", "WEB_PORT")
        deadline = time.monotonic() + 3
        while not all(port_is_free(int(self.env[name])) for name in names):
            if time.monotonic() > deadline:
                self.env.update({name: str(free_port()) for name in names})
                return
            time.sleep(0.5)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOPS_WITHIN_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.logs[-1].read_text(errors="replace").splitlines()[-lines:])

    def children(self) -> dict[str, int]:
        """The launcher's services by name, from /proc (each runs in a session of its own)."""
        assert self.process is not None
        found: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent != self.process.pid:
                continue
            for name, marker in SERVICES.items():
                if marker in command:
                    found[name] = int(entry.name)
        return found

    # -- talking to it ------------------------------------------------------------------------------

    def rest(self, sender: str, text: str) -> list[str]:
        answer = post_json(
            f"http://127.0.0.1:{self.env['RASA_PORT']}/webhooks/rest/webhook",
            {"sender": sender, "message": text},
        )
        return [item.get("text", "") for item in answer]


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    server = make_url(postgres_url)
    with TcpProxy(server.host or "127.0.0.1", server.port or 5432) as running:
        yield running


@pytest.fixture(scope="module")
def store(postgres_url: str) -> Iterator[UnitOfWork]:
    """The same database, reached directly (never through the proxy) to check what was stored."""
    engine = make_engine(postgres_url)
    yield UnitOfWork(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def launcher(
    tmp_path_factory: pytest.TempPathFactory, trained_model: Path, postgres_url: str, proxy: TcpProxy
) -> Iterator[Launcher]:
    folder = tmp_path_factory.mktemp("reliability")
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    env = launcher_env(
        folder,
        DATABASE_URL=through_proxy.render_as_string(hide_password=False),
        SPOOL_DIR=str(folder / "outbox"),
    )
    running = Launcher(env, folder)
    running.start()
    yield running
    proxy.resume()
    code = running.stop()
    assert code == 0, f"the launcher exited with {code} on SIGTERM:\n{running.tail()}"


def rows_of(store: UnitOfWork, conversation: str) -> list[AppointmentRequest]:
    with store() as session:
        query = select(AppointmentRequest).where(AppointmentRequest.conversation_id == conversation)
        return list(session.execute(query).scalars())


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)
    return result


def submit_call(launcher: Launcher, sender: str) -> dict[str, Any]:
    """The action call Rasa made for the last submit, rebuilt from the tracker store, to send again."""
    database = make_url(launcher.env["TRACKER_DATABASE_URL"]).database
    with sqlite3.connect(database) as connection:
        events = [
            json.loads(data)
            for (data,) in connection.execute(
                "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
            )
        ]
    submits = [
        i
        for i, e in enumerate(events)
        if e.get("event") == "action" and e.get("name") == "action_submit_request"
    ]
    before = events[: submits[-1]]
    slots: dict[str, Any] = {}
    for event in before:
        if event.get("event") == "slot":
            slots[event["name"]] = event.get("value")
    latest = next(e for e in reversed(before) if e.get("event") == "user")
    parse = latest.get("parse_data") or {}
    return {
        "next_action": "action_submit_request",
        "sender_id": sender,
        "version": rasa_sdk.__version__,
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {
                "text": latest.get("text"),
                "intent": parse.get("intent") or {},
                "entities": parse.get("entities") or [],
            },
            "events": before,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def call_submit_again(launcher: Launcher, call: dict[str, Any]) -> str | None:
    """Rasa retrying the submit (same tracker, with Rasa's secret): the code the visitor would hear."""
    token = action_server_token(load_settings(launcher.env))
    answer = post_json(
        f"http://127.0.0.1:{launcher.env['ACTION_PORT']}/webhook", call, {"X-Action-Server-Token": token}
    )
    return find_code(" ".join(r.get("text") or "" for r in answer["responses"]))


def booking_turns() -> list[str]:
    """The bench's scripted booking, from the request to the consent (before the read-back's "yes")."""
    return list(booking(next_open_day()).turns[1:-1])


@pytest.mark.parametrize("outage", ["reset", "hang"])
def test_a_request_sent_while_the_database_is_down_is_kept_and_stored_once_it_is_back(
    launcher: Launcher, proxy: TcpProxy, store: UnitOfWork, outage: str
) -> None:
    """`reset`: the database refuses at once. `hang`: it accepts and never answers, so the action's
    time limit hands over to the spool, and the insert it started completes once the network heals
    (with the code the visitor was given, so the drain finds it there and stores nothing twice)."""
    sender = f"outage-{outage}-{uuid.uuid4().hex[:8]}"
    proxy.pause(hang=outage == "hang")
    try:
        for turn in ["hello", *booking_turns()]:
            assert launcher.rest(sender, turn), f"no answer to {turn!r}"
        started = time.monotonic()
        reply = " ".join(launcher.rest(sender, "yes"))  # send it
        took = time.monotonic() - started
        code = find_code(reply)
        assert code, f"no reference code in {reply!r}:\n{launcher.tail()}"
        assert "received" in reply and "booked" not in reply.lower() and "call you to confirm" in reply
        assert took < 10, f"the visitor waited {took:.1f} s"

        spool = Spool(Path(launcher.env["SPOOL_DIR"]))
        [(path, entry)] = [(p, e) for p, e in spool.entries() if e.request.conversation_id == sender]
        assert entry.reference == code and path.exists()
        assert entry.request.full_name == "Tom Stopford"

        # Rasa retries the submit while the database is still down: the same code, still one entry.
        call = submit_call(launcher, sender)
        assert call_submit_again(launcher, call) == code
        assert [e.reference for _, e in spool.entries() if e.request.conversation_id == sender] == [code]
        assert rows_of(store, sender) == []
    finally:
        proxy.resume()

    rows = wait_for(lambda: rows_of(store, sender), 30, "the spooled request to reach the database")
    assert [(r.reference, r.full_name, r.phone) for r in rows] == [(code, "Tom Stopford", "+12125550199")]
    wait_for(lambda: not path.exists(), 10, "the spool file to be removed")
    # And once more with the database back: still that code, still one row.
    assert call_submit_again(launcher, call) == code
    assert len(rows_of(store, sender)) == 1


class WebVisitor:
    """A visitor of the website's chat (`/chat`), whose conversation token survives restarts."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher
        self.token: str | None = None
        self.address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        self.shown_codes: list[str] = []

    @property
    def conversation(self) -> str:
        assert self.token
        return self.token.split(".")[0]

    def say(self, text: str) -> str:
        headers = {"X-Forwarded-For": self.address}
        if self.token:
            headers["X-Conversation-Token"] = self.token
        answer = post_json(
            f"http://127.0.0.1:{self.launcher.env['WEB_PORT']}/chat", {"message": text}, headers
        )
        self.token = answer["token"]
        reply = " ".join(m.get("text", "") for m in answer["messages"])
        if code := find_code(reply):
            self.shown_codes.append(code)
        return reply


@pytest.mark.parametrize("victim", list(SERVICES))
def test_a_killed_service_stops_the_stack_and_the_conversation_resumes_after_a_restart(
    launcher: Launcher, store: UnitOfWork, victim: str
) -> None:
    visitor = WebVisitor(launcher)
    turns = booking_turns()
    for turn in turns[:3]:  # up to the phone number
        visitor.say(turn)
    before = launcher.children()
    assert set(before) == set(SERVICES), f"services found: {before}"

    os.kill(before[victim], signal.SIGKILL)
    code = launcher.process.wait(timeout=STOPS_WITHIN_S) if launcher.process else None
    assert code not in (0, None), f"the launcher exited with {code} after the {victim} was killed"
    assert f"the {victim} stopped unexpectedly" in launcher.tail()
    wait_for(lambda: not any(alive(pid) for pid in before.values()), 20, "every service to be gone")

    launcher.start()
    asked = visitor.say(turns[3])  # the e-mail: the form goes on where it was
    assert "date" in asked.lower() or "day" in asked.lower(), asked
    for turn in turns[4:]:
        review = visitor.say(turn)
    assert "Tom Stopford" in review and "+1 212-555-0199" in review, review
    reply = visitor.say("yes")
    assert "received" in reply and visitor.shown_codes, reply
    visitor.say("yes")  # a repeated "yes" after the code

    [row] = rows_of(store, visitor.conversation)
    assert set(visitor.shown_codes) == {row.reference}
    assert (row.full_name, row.phone, row.email) == ("Tom Stopford", "+12125550199", "jane@example.org")
