"""Every Rasa server the project starts has its corrections, whatever its tracker store (issue 15).

They used to be installed by the SQL tracker store's constructor, so a Rasa server on Redis ran
without them. Observable from outside: with the corrections, a message's other ResponseSelector does
not run, so /model/parse carries no `unknown` selection for an article question.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.rasa
from bot.bench.servers import empty_redis_db, flush_redis_db, free_port
from bot.launcher import rasa_command, shell_command
from bot.settings import ROOT, get_settings
from tests.conftest import TEST_ENV

pytestmark = pytest.mark.rasa


@pytest.fixture
def redis_endpoints(tmp_path: Path) -> Iterator[Path]:
    """endpoints.yml with Rasa's Redis tracker store on an empty database, emptied again after."""
    db = empty_redis_db()
    endpoints = tmp_path / "redis-endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: redis\n  url: 127.0.0.1\n  port: 6379\n  db: {db}\n")
    yield endpoints
    flush_redis_db(db)


def selectors_run(command: list[str], log: Path) -> set[str]:
    """Start a Rasa server with `command`, parse an article question, and stop it."""
    port = free_port()
    env = {**os.environ, **TEST_ENV, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        server = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                body = json.dumps({"text": "what exactly is prolotherapy"}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/model/parse", data=body)
                with urllib.request.urlopen(request, timeout=10) as response:
                    parsed = json.loads(response.read())
                break
            except OSError:
                time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert parsed["intent"]["name"] == "faq"
    return {key for key in parsed.get("response_selector", {}) if key != "all_retrieval_intents"}


@pytest.mark.parametrize("store", ["redis", "sql"])
def test_a_rasa_server_started_through_the_entry_point_has_the_corrections(
    trained_model: Path, tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    if store == "redis":
        endpoints = request.getfixturevalue("redis_endpoints")
    else:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(
            "tracker_store:\n  type: bot.rasa.tracker_store.FailFastSQLTrackerStore\n  dialect: sqlite\n"
            f"  db: {tmp_path / 'tracker.db'}\n"
        )
    run = ["run", "--enable-api", "--model", str(trained_model), "--endpoints", str(endpoints)]
    assert selectors_run(bot.rasa.command(*run), tmp_path / "ours.log") == {"faq"}


def test_plain_rasa_on_redis_runs_every_selector(
    trained_model: Path, tmp_path: Path, redis_endpoints: Path
) -> None:
    """The check above can fail: without the entry point Rasa runs both selectors."""
    run = ["run", "--enable-api", "--model", str(trained_model), "--endpoints", str(redis_endpoints)]
    rasa = str(Path(sys.executable).with_name("rasa"))
    assert selectors_run([rasa, *run], tmp_path / "plain.log") == {"faq", "unknown"}


def test_the_launcher_starts_rasa_and_its_shell_through_the_entry_point(tmp_path: Path) -> None:
    command = rasa_command(get_settings(), tmp_path / "model.tar.gz")
    assert command[:4] == [sys.executable, "-m", "bot.rasa", "run"]
    assert shell_command(tmp_path / "model.tar.gz")[:4] == [sys.executable, "-m", "bot.rasa", "shell"]
