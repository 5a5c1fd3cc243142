"""The replicated setup on the standard Rasa stack, for real: two Rasa servers and two action servers
sharing Rasa's RedisLockStore and a PostgreSQL tracker store, bot.web balancing over RASA_URLS.

Each service runs as `python -m bot.launcher serve <role>`, as in docker-compose.yml. Redis and the
tracker's PostgreSQL are reached through TCP proxies the tests control, to make them go away and come
back without touching the machine's own services.
"""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.bench.servers import free_port
from bot.launcher import answers
from bot.settings import ROOT
from bot.store.codes import find_code
from bot.store.db import UnitOfWork, create_database, drop_database, make_engine
from bot.store.schema import AppointmentRequest
from tests.conftest import next_open_day
from tests.e2e.conftest import launcher_env
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
START_TIMEOUT_S = 240
REDIS = ("127.0.0.1", 6379)


@dataclass
class Replicas:
    rasa_urls: list[str]
    web_url: str
    database_url: str
    redis: TcpProxy
    tracker_db: TcpProxy
    actions_2: TcpProxy  # rasa-2 calls its action server through this
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def say(self, rasa: int, sender: str, message: str, timeout: float = 60) -> tuple[int, Any]:
        """One turn on one Rasa server's REST channel, as a load balancer without stickiness would send it."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.rasa_urls[rasa]}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def chat(self, message: str, token: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json", "X-Forwarded-For": f"10.9.{uuid.uuid4().int % 250}.1"}
        if token:
            headers["X-Conversation-Token"] = token
        request = urllib.request.Request(
            f"{self.web_url}/chat", data=json.dumps({"message": message}).encode(), headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, trained_model: Path, postgres_url: str
) -> Iterator[Replicas]:
    if not _redis_answers():
        pytest.fail("the replicated setup needs Redis on 127.0.0.1:6379 (this machine kind runs it)")
    tmp = tmp_path_factory.mktemp("replicas")
    server = make_url(postgres_url)
    tracker_database = create_database(postgres_url, "bot_tracker")
    redis = TcpProxy(*REDIS)
    tracker_db = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    tracker_url = make_url(tracker_database).set(host="127.0.0.1", port=tracker_db.port)
    rasa_ports, action_ports, web_port = [free_port(), free_port()], [free_port(), free_port()], free_port()
    actions_2 = TcpProxy("127.0.0.1", action_ports[1])
    base = launcher_env(
        tmp,
        DATABASE_URL=postgres_url,
        TRACKER_DATABASE_URL=tracker_url.render_as_string(hide_password=False),
        LOCK_STORE_URL=f"redis://127.0.0.1:{redis.port}/5",
        WEB_PORT=str(web_port),
        RASA_URLS=",".join(f"http://127.0.0.1:{port}" for port in rasa_ports),
    )
    roles: dict[str, tuple[str, dict[str, str], str]] = {}
    for i in (0, 1):
        roles[f"actions-{i + 1}"] = (
            "actions",
            {**base, "ACTION_PORT": str(action_ports[i])},
            f"http://127.0.0.1:{action_ports[i]}/health",
        )
        roles[f"rasa-{i + 1}"] = (
            "rasa",
            {
                **base,
                "RASA_PORT": str(rasa_ports[i]),
                "ACTION_SERVER_URL": f"http://127.0.0.1:{[action_ports[0], actions_2.port][i]}/webhook",
            },
            f"http://127.0.0.1:{rasa_ports[i]}/",
        )
    roles["web"] = ("web", base, f"http://127.0.0.1:{web_port}/healthz")
    running = Replicas(
        rasa_urls=[f"http://127.0.0.1:{port}" for port in rasa_ports],
        web_url=f"http://127.0.0.1:{web_port}",
        database_url=postgres_url,
        redis=redis,
        tracker_db=tracker_db,
        actions_2=actions_2,
        logs=tmp,
    )
    try:
        for name, (role, env, _) in roles.items():
            with (tmp / f"{name}.log").open("w") as out:
                running.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "bot.launcher", "serve", role],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + START_TIMEOUT_S
        for name, (_, _, health) in roles.items():
            while not answers(health):
                if running.processes[name].poll() is not None or time.monotonic() > deadline:
                    log = (tmp / f"{name}.log").read_text(errors="replace")[-3000:]
                    pytest.fail(f"{name} did not start:\n{log}")
                time.sleep(1)
        yield running
    finally:
        for process in running.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.close()
        tracker_db.close()
        actions_2.close()
        drop_database(postgres_url, tracker_database)


def booking_turns() -> list[str]:
    day = next_open_day()
    return [
        "hi",
        "I'd like to book an appointment",
        "Robin Castellanos",
        "212 555 0186",
        "skip",
        f"{day:%B} {day.day}",
        "morning",
        "sciatica",
        "yes",
        "yes",
    ]


def rows(database_url: str, sender: str) -> list[AppointmentRequest]:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(engine)() as session:
            query = select(AppointmentRequest).where(AppointmentRequest.conversation_id == sender)
            return list(session.execute(query).scalars())
    finally:
        engine.dispose()


def texts(answer: Any) -> str:
    return " ".join(message.get("text") or "" for message in answer)


def book_alternating(replicas: Replicas, sender: str) -> str:
    """Every turn goes to the other Rasa server (and so the other action server)."""
    answer: Any = None
    for turn, message in enumerate(booking_turns()):
        status, answer = replicas.say(turn % 2, sender, message)
        assert status == 200 and answer, (message, status, answer)
        if message == "yes" and "Robin Castellanos" in texts(answer):
            assert "+1 212-555-0186" in texts(answer) and "sciatica" in texts(answer).lower()
    code = find_code(texts(answer))
    assert code, texts(answer)
    return code


def test_turns_alternating_between_servers_keep_state_and_store_once(replicas: Replicas) -> None:
    senders = [f"replica-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # four patients at once, every turn on the other server
        codes = list(pool.map(lambda sender: book_alternating(replicas, sender), senders))
    for sender, code in zip(senders, codes, strict=True):
        [row] = rows(replicas.database_url, sender)
        assert (row.reference, row.full_name, row.phone) == (code, "Robin Castellanos", "+12125550186")
        # The same "yes" arriving again on the first server, then the second, repeats the receipt with
        # the same code and never stores twice.
        for rasa in (0, 1):
            status, answer = replicas.say(rasa, sender, "yes")
            assert status == 200 and answer and find_code(texts(answer)) == code
        assert len(rows(replicas.database_url, sender)) == 1


@pytest.mark.parametrize("service", ["redis", "tracker_db"])
def test_an_outage_fails_fast_and_recovers(replicas: Replicas, service: str) -> None:
    sender = f"outage-{uuid.uuid4().hex[:8]}"
    assert replicas.say(0, sender, "I'd like to book an appointment")[0] == 200
    proxy: TcpProxy = getattr(replicas, service)
    proxy.pause()
    try:
        started = time.monotonic()
        status, answer = replicas.say(1, sender, "Robin Castellanos", timeout=30)
        # Rasa's REST channel answers a failed turn with 200 and no messages (bot.web makes that a 503).
        assert status >= 500 or answer == [], (
            "a turn cannot be handled without its lock store or tracker store"
        )
        assert time.monotonic() - started < 10, "the failure must come fast, not after a hang"
        started = time.monotonic()
        status, answer = replicas.chat("hello")
        assert status == 503 and "call the practice" in answer["error"]
        assert time.monotonic() - started < 15
    finally:
        proxy.resume()
    deadline = time.monotonic() + 30
    while True:  # pooled connections broken by the outage are replaced on the next tries
        status, answer = replicas.say(1, sender, "Robin Castellanos")
        if (status == 200 and answer) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == 200 and "phone" in texts(answer).lower(), answer  # the form went on where it was


def test_a_hung_action_server_still_gets_the_visitor_a_reply_and_a_retried_submit_stores_once(
    replicas: Replicas,
) -> None:
    """Rasa waits up to 300 s for an action; bot.web answers the visitor long before, and sending the
    same "yes" again gives one stored request, whatever became of the first."""
    for _ in range(40):  # a conversation whose home server is rasa-2 (bot.web's sticky choice)
        status, first = replicas.chat("hello")
        token = first["token"]
        if int(hashlib.sha256(token.split(".")[0].encode()).hexdigest(), 16) % 2 == 1:
            break
    for message in booking_turns()[1:-1]:  # up to the read-back
        status, answer = replicas.chat(message, token)
        assert status == 200, (message, answer)
    assert "Robin Castellanos" in texts(answer["messages"])

    replicas.actions_2.pause(hang=True)
    try:
        started = time.monotonic()
        status, answer = replicas.chat("yes", token)  # the submit action cannot be reached
        waited = time.monotonic() - started
        assert status == 503 and "call the practice" in answer["error"], answer
        assert waited < 15, f"the visitor waited {waited:.0f} s"
    finally:
        replicas.actions_2.resume()
    deadline = time.monotonic() + 30
    while True:  # the visitor sends it again
        status, answer = replicas.chat("yes", token)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    code = find_code(texts(answer["messages"]))
    assert status == 200 and code, answer
    [row] = rows(replicas.database_url, token.split(".")[0])
    assert row.reference == code


def test_the_widget_keeps_its_conversation_when_a_rasa_server_goes(replicas: Replicas) -> None:
    """Runs last: it stops rasa-1 for good."""
    status, first = replicas.chat("hello")
    assert status == 200 and first["messages"]
    token = first["token"]
    status, answer = replicas.chat("I'd like to book an appointment", token)
    assert status == 200 and "full name" in texts(answer["messages"])
    replicas.processes["rasa-1"].send_signal(signal.SIGTERM)
    replicas.processes["rasa-1"].wait(timeout=30)
    for message, expected in (("Robin Castellanos", "phone"), ("212 555 0186", "e-mail")):
        status, answer = replicas.chat(message, token)  # whichever server held it, rasa-2 answers now
        assert status == 200 and expected in texts(answer["messages"]).lower(), answer
