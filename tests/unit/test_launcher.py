"""The launcher's refusals and its supervision, with stand-in services instead of Rasa."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest

import bot.launcher
from bot.bench.servers import free_port
from bot.launcher import LaunchError, Service, answers, main, run
from bot.settings import get_settings


def test_a_bad_setting_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RASA_PORT", "abc")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("configuration error: RASA_PORT:")
    assert len(err.splitlines()) == 1


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_taken_port_is_reported_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], busy_port: int
) -> None:
    monkeypatch.setenv("RASA_PORT", str(busy_port))
    monkeypatch.setattr(bot.launcher, "migrate", lambda settings: pytest.fail("must not migrate"))
    assert main(["run"]) == 1
    assert f"port {busy_port} (RASA_PORT) is already taken" in capsys.readouterr().err


def test_an_unreachable_database_is_reported_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody:secret@127.0.0.1:{free_port()}/nothing")
    monkeypatch.setenv("RASA_PORT", str(free_port()))
    monkeypatch.setenv("ACTION_PORT", str(free_port()))
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: DATABASE_URL: cannot prepare the database")
    assert "secret" not in err


def stand_ins() -> list[Service]:
    ports = [free_port(), free_port()]
    return [
        Service(
            f"stand-in {i}",
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            f"http://127.0.0.1:{port}/",
        )
        for i, port in enumerate(ports)
    ]


def test_when_one_service_dies_the_launcher_stops_the_other_and_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = stand_ins()
    monkeypatch.setattr(bot.launcher, "migrate", lambda settings: None)
    monkeypatch.setattr(bot.launcher, "ensure_models", lambda languages: {"en": "model.tar.gz"})
    monkeypatch.setattr(bot.launcher, "services", lambda settings, models: started)

    def kill_the_first_once_up() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(answers(s.health_url) for s in started):
            time.sleep(0.2)
        time.sleep(1.5)  # the launcher polls twice a second: let it see both up and report ready
        started[0].process.kill()

    killer = threading.Thread(target=kill_the_first_once_up)
    killer.start()
    with pytest.raises(LaunchError, match="stand-in 0 stopped unexpectedly"):
        run(get_settings())
    killer.join()
    assert started[1].process.poll() is not None, "the surviving service was left running"
    assert not answers(started[1].health_url)


def test_the_banner_names_each_enabled_channels_webhook() -> None:
    from bot.launcher import banner
    from bot.settings import load_settings

    plain = banner(load_settings({}))
    assert "webhook:" not in plain.replace("(REST channel)", "")
    twilio = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_NUMBER": "+15550100999"}
    shown = banner(load_settings({**twilio, "PUBLIC_URL": "https://assistant.example"}))
    assert "Twilio webhook:             https://assistant.example/webhooks/twilio/webhook" in shown
    assert "Slack" not in shown
