"""The real stack, once per test session: `python -m bot.launcher run` on free ports with fresh databases.

Starting Rasa takes ~25 s and 1.4 GB, so every end-to-end test shares this one launcher; its clean
shutdown on SIGTERM is itself checked when the session ends. Every messaging channel is on, with the
providers' APIs played by a local fake (fake_providers.py, reached through provider_hook/).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, text

from bot.bench.servers import free_port
from bot.launcher import answers, port_is_free
from bot.settings import ROOT, VAR_DIR
from bot.store.db import UnitOfWork, make_engine
from tests.conftest import TEST_ENV
from tests.e2e import fake_providers
from tests.e2e.browser_path import MISSING, find_chromium
from tests.e2e.fake_providers import FakeProviders
from tests.e2e.webhook_receiver import SECRET as WEBHOOK_SECRET
from tests.e2e.webhook_receiver import WebhookReceiver

START_TIMEOUT_S = 240
PROVIDER_HOOK = Path(__file__).resolve().parent / "provider_hook"
CHANNEL_ENV = {
    "SLACK_TOKEN": "xoxb-test-token",
    "SLACK_SIGNING_SECRET": "slack-signing-secret",
    "TELEGRAM_ACCESS_TOKEN": "123456:test-telegram-token",
    "TELEGRAM_BOT_NAME": fake_providers.TELEGRAM_BOT_NAME,
    "FACEBOOK_VERIFY_TOKEN": "facebook-verify-token",
    "FACEBOOK_APP_SECRET": "facebook-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "facebook-page-token",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_NUMBER": "+15550100999",
}


@dataclass
class Stack:
    rasa_port: int  # English; the Spanish Rasa server listens on the next port (LANGUAGES=en,es)
    action_port: int
    web_port: int
    database_url: str
    tracker_database_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen

    def say(self, sender: str, text: str, language: str = "en") -> list[dict[str, Any]]:
        """A turn through a Rasa server's REST channel: the English one, or the Spanish (next port)."""
        body = json.dumps({"sender": sender, "message": text}).encode()
        port = self.rasa_port + (1 if language == "es" else 0)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def add_staff_user(self, name: str, password: str) -> None:
        add_staff_user(self.env, name, password)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def user_texts(self, conversations: set[str]) -> list[str]:
        """What Rasa was told as user text in these conversations (from its tracker store), in order."""
        engine = create_engine(self.tracker_database_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
                ).fetchall()
        finally:
            engine.dispose()
        return [json.loads(data).get("text") or "" for sender, data in rows if sender in conversations]


def add_staff_user(env: dict[str, str], name: str, password: str) -> None:
    """Through the staff CLI, as an administrator would."""
    created = subprocess.run(
        [sys.executable, "-m", "bot.staff", "user", "add", name, "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr


def free_port_pair() -> int:
    """A free port whose next one is free too (the second language's Rasa server takes it)."""
    while True:
        port = free_port()
        if port < 65535 and port_is_free(port + 1):
            return port


def launcher_env(tmp: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TRACKER_DATABASE_URL")}
    env.update(TEST_ENV)
    env.update(
        {
            # One language unless a test asks for more: each Rasa server costs ~25 s and 1.4 GB.
            "LANGUAGES": "en",
            "RASA_PORT": str(free_port_pair()),
            "ACTION_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
            "DATABASE_URL": f"sqlite:///{tmp / 'appointments.db'}",
            "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}",
            # Tests stand in for many visitors from one address by sending X-Forwarded-For.
            "TRUSTED_PROXIES": "127.0.0.1",
        }
    )
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def providers() -> Iterator[FakeProviders]:
    fake, server, thread = fake_providers.start(free_port())
    yield fake
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def webhooks() -> Iterator[WebhookReceiver]:
    """The integrators' webhook of the shared stack: a real local receiver."""
    receiver = WebhookReceiver(free_port()).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    trained_models: dict[str, Path],
    providers: FakeProviders,
    webhooks: WebhookReceiver,
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    env = launcher_env(
        tmp,
        **CHANNEL_ENV,
        NOTIFY_WEBHOOK_URL=webhooks.url,
        NOTIFY_WEBHOOK_SECRET=WEBHOOK_SECRET,
        LANGUAGES="en,es",
    )
    env["PUBLIC_URL"] = f"http://127.0.0.1:{env['WEB_PORT']}"
    env["FAKE_PROVIDERS_URL"] = providers.url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROVIDER_HOOK), env.get("PYTHONPATH")]))
    log = tmp / "launcher.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.launcher", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Stack(
        rasa_port=int(env["RASA_PORT"]),
        action_port=int(env["ACTION_PORT"]),
        web_port=int(env["WEB_PORT"]),
        database_url=env["DATABASE_URL"],
        tracker_database_url=env["TRACKER_DATABASE_URL"],
        env=env,
        log=log,
        process=process,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while "The assistant is running" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the launcher did not start the stack:\n{running.log_tail()}")
        time.sleep(1)
    yield running
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the launcher did not stop within 60 s of SIGTERM")
    assert code == 0, f"the launcher exited with {code} on SIGTERM:\n{running.log_tail()}"
    assert not answers(f"http://127.0.0.1:{running.action_port}/health"), (
        "the action server outlived the launcher"
    )


@pytest.fixture(scope="session")
def stack_store(stack: Stack) -> Iterator[UnitOfWork]:
    engine = make_engine(stack.database_url)
    yield UnitOfWork(engine)
    engine.dispose()


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
AXE_VERSION = "4.14.1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API keeps an event loop running while it is open, which would stop
    later async tests (pytest-asyncio) from running theirs."""
    with sync_playwright() as playwright:
        chromium = find_chromium(bundled=lambda: playwright.chromium.executable_path)
        if chromium is None:
            pytest.fail(MISSING)
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry (fetched once into var/, never committed)."""
    folder = VAR_DIR / "axe"
    script = folder / "package" / "axe.min.js"
    if not script.exists():
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            pytest.fail(f"could not fetch axe-core from npm: {result.stderr[-500:]}")
        with tarfile.open(folder / f"axe-core-{AXE_VERSION}.tgz") as archive:
            archive.extract("package/axe.min.js", folder)
    return script.read_text()
