"""Stopping `make run` stops all three servers, however the signals arrive.

`make run` is started in a process group of its own, as a terminal starts a job, and the signals go to
that group: the launcher gets each one from the "terminal" and make forwards SIGTERM on top. Every
process the run started carries a marker in its environment, so what survives can be found in /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.e2e.conftest import START_TIMEOUT_S, launcher_env

pytestmark = pytest.mark.e2e

STOP_WITHIN_S = 60  # the launcher's own grace is 15 s per service, then SIGKILL


def marked_processes(marker: str) -> list[int]:
    """Live processes whose environment carries `marker` (zombies have no environment left)."""
    found = []
    needle = f"SHUTDOWN_TEST_MARK={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class MakeRun:
    def __init__(self, tmp: Path) -> None:
        self.marker = uuid.uuid4().hex
        self.env = launcher_env(tmp, SHUTDOWN_TEST_MARK=self.marker)
        self.ports = [int(self.env[name]) for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT")]
        self.log = tmp / "make-run.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # make leads its own group, like a terminal's foreground job
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make run` never printed {text!r}:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def signal_group(self, *signals: int) -> None:
        for sig in signals:
            os.killpg(self.process.pid, sig)

    def assert_everything_stopped(self) -> None:
        try:
            self.process.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`make run` still running {STOP_WITHIN_S} s after the signals")
        deadline = time.monotonic() + 5  # the last SIGKILLed children being reaped
        while marked_processes(self.marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        output = self.output()
        survivors = marked_processes(self.marker)
        assert not survivors, f"processes outlived `make run`: {survivors}\n{output[-3000:]}"
        assert not [port for port in self.ports if listening(port)], output[-3000:]
        assert "Traceback" not in output, output[-3000:]
        assert "Stopped." in output

    def kill(self) -> None:
        for pid in marked_processes(self.marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def make_run(tmp_path: Path, trained_model: Path) -> Iterator[Callable[[], MakeRun]]:
    started: list[MakeRun] = []

    def start() -> MakeRun:
        folder = tmp_path / f"run{len(started)}"
        folder.mkdir()
        started.append(MakeRun(folder))
        return started[-1]

    yield start
    for run in started:  # whatever a failed test left behind
        run.kill()


@pytest.mark.parametrize(
    "signals",
    [
        pytest.param((signal.SIGTERM, signal.SIGTERM), id="SIGTERM twice within milliseconds"),
        pytest.param((signal.SIGINT, signal.SIGTERM), id="SIGINT then SIGTERM"),
    ],
)
def test_repeated_signals_to_make_run_stop_all_three_servers(
    make_run: Callable[[], MakeRun], signals: tuple[int, ...]
) -> None:
    run = make_run()
    run.wait_for("The assistant is running")
    assert all(listening(port) for port in run.ports)
    run.signal_group(*signals)
    run.assert_everything_stopped()


def test_a_signal_during_start_up_stops_what_was_started(make_run: Callable[[], MakeRun]) -> None:
    run = make_run()
    run.wait_for("Starting the Rasa server")
    run.signal_group(signal.SIGTERM)
    time.sleep(0.05)
    run.signal_group(signal.SIGTERM)
    run.assert_everything_stopped()
    assert "The assistant is running" not in run.output()
