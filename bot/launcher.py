"""Start, train and talk to the assistant: `python -m bot.launcher run|serve|train|shell|migrate`.

`run` applies migrations, trains if the data changed, starts the action server and the Rasa server on
loopback and the public web server (bot.web), waits until all answer, and supervises them: if one dies
the launcher says so, stops the others and exits non-zero; Ctrl-C or SIGTERM stops all cleanly.
`serve ROLE` runs one of the three in the foreground with the same settings, for containers and
replicas, where a supervisor of their own restarts it.
"""

from __future__ import annotations

import argparse
import contextlib
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
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import bot.rasa
from bot.ops.runtime_config import rasa_environment, write_runtime_files
from bot.ops.training import ensure_models, model_path
from bot.settings import ROOT, VAR_DIR, Settings, SettingsError, get_settings
from bot.store.migrate import upgrade

STARTUP_TIMEOUT_S = 180
STOP_TIMEOUT_S = 15
RASA_LOGGING_CONFIG = ROOT / "bot" / "rasa" / "logging.yml"
ROLES = ("actions", "rasa", "web")


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
    env.update(rasa_environment(settings))
    env.update(
        {
            "SANIC_HOST": settings.internal_host,  # rasa_sdk binds here; only bot.web faces the public
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
        # As the servers bind: a port a crashed run left in TIME_WAIT is free, a listening one is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
    """rasa_sdk's server plus the job that stores requests spooled while the database was down."""
    return [sys.executable, "-m", "bot.rasa.action_server", "--port", str(settings.action_port)]


def rasa_command(settings: Settings, model: Path, language: str | None = None) -> list[str]:
    endpoints, credentials = write_runtime_files(settings)
    command = bot.rasa.command(
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        "--interface",
        settings.internal_host,
        "--port",
        str(settings.rasa_port_for(language or settings.languages[0])),
    )
    if RASA_LOGGING_CONFIG.exists():
        command += ["--logging-config-file", str(RASA_LOGGING_CONFIG)]
    return command


def web_command() -> list[str]:
    return [sys.executable, "-m", "bot.web"]


def _local(host: str) -> str:
    """Where this machine reaches a server bound to `host`."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _rasa_name(settings: Settings, language: str) -> str:
    return "Rasa server" if len(settings.languages) == 1 else f"Rasa server ({language})"


def services(settings: Settings, models: dict[str, Path]) -> list[Service]:
    """The action server (shared by every language), one Rasa server per language, and bot.web."""
    internal = _local(settings.internal_host)
    rasa = [
        Service(
            _rasa_name(settings, language),
            rasa_command(settings, model, language),
            f"http://{internal}:{settings.rasa_port_for(language)}/",
        )
        for language, model in models.items()
    ]
    return [
        Service(
            "action server",
            action_server_command(settings),
            f"http://{internal}:{settings.action_port}/health",
        ),
        *rasa,
        Service(
            "web server", web_command(), f"http://{_local(settings.web_host)}:{settings.web_port}/healthz"
        ),
    ]


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal a service and whatever it started: each runs in a session of its own (its pid is its
    group's id), so a terminal's or make's signals never reach it twice, and this reaches them all."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop_all(running: Sequence[Service], grace_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every service's process group, SIGKILL what is left after `grace_s`. Never raises:
    it is what runs while the launcher is going down, whatever else went wrong."""
    live = [s.process for s in running if s.process is not None and s.process.poll() is None]
    for process in live:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in live:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        # The leader is gone; end whatever it started that is still in its group.
        _signal_group(process, signal.SIGKILL)


def dead(running: Sequence[Service]) -> Service | None:
    return next((s for s in running if s.process and s.process.poll() is not None), None)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class _StopRequest:
    """Records the first stop signal; the handler only sets a flag, so a second SIGTERM (make
    forwards one on top of the terminal's) or a signal in the middle of start-up can interrupt
    nothing: the main loop looks at the flag between steps."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum

    @property
    def requested(self) -> bool:
        return self.signum is not None


def _pause(stop: _StopRequest, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not stop.requested and time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _port_name(settings: Settings, language: str) -> str:
    """RASA_PORT names the first language's port; the others take the next ones."""
    index = settings.languages.index(language)
    return "RASA_PORT" if index == 0 else f"RASA_PORT + {index}, the {language} Rasa server"


def run(settings: Settings) -> int:
    ports = (
        *(
            (_port_name(settings, language), settings.rasa_port_for(language))
            for language in settings.languages
        ),
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
    models = ensure_models(settings.languages)
    env = child_environment(settings)
    running = services(settings, models)

    stop = _StopRequest()
    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        for service in running:
            if stop.requested:
                break
            print(f"Starting the {service.name}…", flush=True)
            service.process = subprocess.Popen(service.command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        waiting = list(running)
        while waiting and not stop.requested:
            if failed := dead(running):
                raise LaunchError(
                    f"the {failed.name} exited during start-up (exit code {failed.process.returncode}); "
                    "see its log above"
                )
            if time.monotonic() > deadline:
                raise LaunchError(f"the {waiting[0].name} did not answer within {STARTUP_TIMEOUT_S} s")
            waiting = [s for s in waiting if not answers(s.health_url)]
            _pause(stop, 0.5)
        if not stop.requested:
            print(banner(settings), flush=True)
        while not stop.requested:
            if failed := dead(running):
                raise LaunchError(
                    f"the {failed.name} stopped unexpectedly (exit code {failed.process.returncode}); "
                    "stopping the rest"
                )
            _pause(stop, 0.5)
        print("\nStopping…", flush=True)
        stop_all(running)
        print("Stopped.", flush=True)
        return 0
    finally:
        stop_all(running)  # after an error; a no-op once everything has stopped
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def banner(settings: Settings) -> str:
    internal = _local(settings.internal_host)
    lines = [
        "",
        "The assistant is running:",
        f"  Website with the chat widget: http://{settings.web_host}:{settings.web_port}/",
    ]
    for language in settings.languages:
        label = f"{_rasa_name(settings, language)}, REST:"
        lines.append(
            f"  {label:<28}http://{internal}:{settings.rasa_port_for(language)}/webhooks/rest/webhook"
        )
    lines += [f"  {'Action server:':<28}http://{internal}:{settings.action_port}/webhook"]
    for channel in settings.channels.enabled():
        label = f"{channel.title()} webhook:"
        lines.append(f"  {label:<28}{settings.public_url}/webhooks/{channel}/webhook")
    lines += ["Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def serve(settings: Settings, role: str, language: str | None = None) -> int:
    """Replace this process with one service (signals then reach it directly, as containers expect)."""
    if role == "actions":
        command = action_server_command(settings)
    elif role == "rasa":
        language = _served(settings, language)
        model = model_path(language=language)
        if not model.exists():
            raise LaunchError(
                f"no trained {language} model for the current data ({model.name}): "
                "run `python -m bot.launcher train`"
            )
        command = rasa_command(settings, model, language)
    else:
        command = web_command()
    sys.stdout.flush()
    os.chdir(ROOT)
    os.execve(command[0], command, child_environment(settings))
    return 1  # not reached


def shell_command(model: Path) -> list[str]:
    return bot.rasa.command("shell", "--model", str(model), "--endpoints", "endpoints.yml")


def _served(settings: Settings, language: str | None) -> str:
    if language is None:
        return settings.languages[0]
    if language not in settings.languages:
        raise LaunchError(f"--language {language}: not among LANGUAGES ({','.join(settings.languages)})")
    return language


def shell(settings: Settings, language: str | None = None) -> int:
    """`rasa shell` with the settings exported, after the same preparation as `run`."""
    if not port_is_free(settings.action_port):
        raise LaunchError(f"port {settings.action_port} (ACTION_PORT) is taken: stop `make run` first")
    migrate(settings)
    model = ensure_models((_served(settings, language),))[_served(settings, language)]
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
            shell_command(model),
            cwd=ROOT,
            env=env,
        )
    finally:
        actions.terminate()
        actions.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launcher", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate, train if needed, start all three services")
    one = commands.add_parser("serve", help="run one service in the foreground (containers, replicas)")
    one.add_argument("role", choices=ROLES, help="which service")
    one.add_argument("--language", help="the Rasa server's language (default: the first of LANGUAGES)")
    train = commands.add_parser("train", help="train each language's Rasa model if its data changed")
    train.add_argument("--force", action="store_true", help="train even if a model for this data exists")
    talk = commands.add_parser("shell", help="talk to the bot in the terminal")
    talk.add_argument("--language", help="which language's model (default: the first of LANGUAGES)")
    commands.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        if args.command == "run":
            return run(settings)
        if args.command == "serve":
            return serve(settings, args.role, args.language)
        if args.command == "train":
            for language, model in ensure_models(settings.languages, force=args.force).items():
                print(f"Model ({language}): {model.relative_to(ROOT)}")
            return 0
        if args.command == "shell":
            return shell(settings, args.language)
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
