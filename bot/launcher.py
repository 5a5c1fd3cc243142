"""Start, train and talk to the assistant: `python -m bot.launcher run|train|shell|migrate`.

`run` applies migrations, trains if the data changed, starts the action server and the Rasa server on
loopback and the public web server (bot.web), waits until all answer, and supervises them: if one dies
the launcher says so, stops the others and exits non-zero; Ctrl-C or SIGTERM stops all cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import ROOT, VAR_DIR, Settings, SettingsError, get_settings
from bot.store.migrate import upgrade
from bot.training import ensure_model, rasa_executable

STARTUP_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15


class LaunchError(RuntimeError):
    """Start-up cannot go on; the message says why in one line."""


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen | None = field(default=None, repr=False)


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment for Rasa and the action server, with everything endpoints.yml needs."""
    env = dict(os.environ)
    env.update(settings.rasa_environment())
    env.update(
        {
            "SANIC_HOST": "127.0.0.1",  # rasa_sdk binds here; only bot.web faces the public
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",  # no calls home: patients' conversations stay here
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def migrate(settings: Settings) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.database_url)
    except SQLAlchemyError as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(error.orig if getattr(error, "orig", None) else error).strip().splitlines()[0]
        raise LaunchError(f"DATABASE_URL: cannot prepare the database at {where}: {reason}") from None


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def action_server_command(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)]


def services(settings: Settings, model: str) -> list[Service]:
    python = sys.executable
    return [
        Service(
            "action server",
            action_server_command(settings),
            f"http://127.0.0.1:{settings.action_port}/health",
        ),
        Service(
            "Rasa server",
            [
                rasa_executable(),
                "run",
                "--model",
                model,
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(settings.rasa_port),
            ],
            f"http://127.0.0.1:{settings.rasa_port}/",
        ),
        Service(
            "web server",
            [python, "-m", "bot.web"],
            f"http://127.0.0.1:{settings.web_port}/healthz",
        ),
    ]


def stop_all(running: Sequence[Service]) -> None:
    for service in running:
        if service.process and service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for service in running:
        if service.process is None:
            continue
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def dead(running: Sequence[Service]) -> Service | None:
    return next((s for s in running if s.process and s.process.poll() is not None), None)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def run(settings: Settings) -> int:
    ports = (
        ("RASA_PORT", settings.rasa_port),
        ("ACTION_PORT", settings.action_port),
        ("WEB_PORT", settings.web_port),
    )
    for name, port in ports:
        if not port_is_free(port):
            raise LaunchError(
                f"port {port} ({name}) is already taken: is the assistant already running? "
                f"Stop it, or set {name} to a free port."
            )
    print("Applying database migrations…", flush=True)
    migrate(settings)
    model = ensure_model()
    env = child_environment(settings)
    running = services(settings, str(model))

    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for service in running:
            print(f"Starting the {service.name}…", flush=True)
            service.process = subprocess.Popen(service.command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        waiting = list(running)
        while waiting:
            if failed := dead(running):
                raise LaunchError(
                    f"the {failed.name} exited during start-up (exit code {failed.process.returncode}); "
                    "see its log above"
                )
            if time.monotonic() > deadline:
                raise LaunchError(f"the {waiting[0].name} did not answer within {STARTUP_TIMEOUT_S} s")
            waiting = [s for s in waiting if not answers(s.health_url)]
            time.sleep(0.5)
        print(
            "\nThe assistant is running:\n"
            f"  Website with the chat widget: http://{settings.web_host}:{settings.web_port}/\n"
            f"  Rasa server (REST channel): http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook\n"
            f"  Action server:              http://127.0.0.1:{settings.action_port}/webhook\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            if failed := dead(running):
                raise LaunchError(
                    f"the {failed.name} stopped unexpectedly (exit code {failed.process.returncode}); "
                    "stopping the rest"
                )
            time.sleep(0.5)
    except _Stop:
        print("\nStopping…", flush=True)
        stop_all(running)
        print("Stopped.", flush=True)
        return 0
    except BaseException:
        stop_all(running)
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def shell(settings: Settings) -> int:
    """`rasa shell` with the settings exported, after the same preparation as `run`."""
    if not port_is_free(settings.action_port):
        raise LaunchError(f"port {settings.action_port} (ACTION_PORT) is taken: stop `make run` first")
    migrate(settings)
    model = ensure_model()
    env = child_environment(settings)
    actions = subprocess.Popen(
        action_server_command(settings),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        return subprocess.call(
            [rasa_executable(), "shell", "--model", str(model), "--endpoints", "endpoints.yml"],
            cwd=ROOT,
            env=env,
        )
    finally:
        actions.terminate()
        actions.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launcher", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate, train if needed, start the action server and Rasa")
    train = commands.add_parser("train", help="train the Rasa model if the data changed")
    train.add_argument("--force", action="store_true", help="train even if a model for this data exists")
    commands.add_parser("shell", help="talk to the bot in the terminal")
    commands.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        if args.command == "run":
            return run(settings)
        if args.command == "train":
            print(f"Model: {ensure_model(force=args.force).relative_to(ROOT)}")
            return 0
        if args.command == "shell":
            return shell(settings)
        migrate(settings)
        print("Database is up to date.")
        return 0
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except (LaunchError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
