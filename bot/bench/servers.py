"""Processes the bench starts and measures: our stack, the stock bot, replicas; ports, memory, databases.

Every process gets its own session and log file in the run's temp dir, and is stopped by its pid with
SIGTERM (then SIGKILL) — never by name, since other people's Rasa servers run on the same machine.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.bench.stats import parse_vm_hwm
from bot.connectors.settings import CHANNEL_SETTING_NAMES

# Variables our settings read that a developer's shell or .env may hold; the bench sets each one
# (blank means "unset" to bot.settings) so no notification, channel or lock store sneaks in.
BLANKED = (
    "RASA_URLS",
    "ACTION_SERVER_URL",
    "INTERNAL_HOST",
    "LOCK_STORE_URL",
    "WIDGET_ALLOWED_ORIGINS",
    "PUBLIC_URL",
    "NOTIFY_WEBHOOK_URL",
    "NOTIFY_WEBHOOK_SECRET",
    "SMTP_HOST",
    "STAFF_NOTIFY_EMAIL",
    *CHANNEL_SETTING_NAMES,
)
PRACTICE = {
    "APP_ENV": "development",
    "PRACTICE_NAME": "Bench Spine Clinic",
    "PRACTICE_PHONE": "(555) 010-0101",
    "PRACTICE_EMAIL": "desk@clinic.example",
    "PRACTICE_HOURS": "Mon-Fri 08:00-17:00",
    "PRACTICE_TIMEZONE": "America/New_York",
    "PHONE_REGION": "US",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_environment(**values: str) -> dict[str, str]:
    """This process's environment without telemetry, with our settings blanked, then `values`."""
    env = dict(os.environ)
    env.update(dict.fromkeys(BLANKED, ""))
    env.update({"RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"})
    env.update(values)
    return env


def stack_environment(tmp: Path, **values: str) -> dict[str, str]:
    """Settings for our services: fresh SQLite stores in `tmp`, free ports, trusted local proxy."""
    settings = {
        **PRACTICE,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "WEB_HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp / 'appointments.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "SPOOL_DIR": str(tmp / "outbox"),
        # Many simulated visitors come from this one address; bot.web believes their X-Forwarded-For.
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    return quiet_environment(**{**settings, **values})


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    spawned: float  # perf_counter at spawn, for the cold start

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout_s: float = 60) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def spawn(name: str, command: Sequence[str], cwd: Path, env: Mapping[str, str], logs: Path) -> Process:
    log = logs / f"{name.replace(' ', '-')}.log"
    with log.open("w") as out:
        popen = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, log, time.perf_counter())


def timed(command: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path) -> float:
    """Run a command to the end, output to `log`; its wall-clock seconds. Raises if it fails."""
    began = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(list(command), cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command[:3])}… failed (exit code {result.returncode}):\n{tail}")
    return seconds


# --- /proc ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: the fields after the last ')' are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    out, queue = [], [pid]
    while queue:
        children = _children(queue.pop())
        out += children
        queue += children
    return out


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def rasa_server_pid(root: int) -> int | None:
    """The `rasa run` process: `root` itself or one of its descendants."""
    for pid in [root, *descendants(root)]:
        argv = command_line(pid)
        started = any(Path(arg).name == "rasa" for arg in argv[:2]) or "bot.rasa" in argv[:3]
        if started and "run" in argv:
            return pid
    return None


def peak_memory_kib(pid: int) -> int | None:
    try:
        return parse_vm_hwm(Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None


def machine() -> str:
    """CPU model, cores, memory and load, for the report's first line."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    total_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    memory = f"{total_kib / 1024**2:.0f} GiB RAM"
    return f"{model}, {os.cpu_count()} cores, {memory}, load average {load} at the start"


# --- shared services for replicas -------------------------------------------------------------


def empty_redis_db(
    host: str = "127.0.0.1", port: int = 6379, candidates: Sequence[int] = range(7, 16)
) -> int:
    """The first Redis database number, from 7 up, that holds no keys (so the bench disturbs no one)."""
    import redis

    for db in candidates:
        client = redis.Redis(host=host, port=port, db=db, socket_timeout=3)
        try:
            if client.dbsize() == 0:
                return db
        finally:
            client.close()
    raise RuntimeError(f"no empty Redis database among {list(candidates)} on {host}:{port}")


def flush_redis_db(db: int, host: str = "127.0.0.1", port: int = 6379) -> None:
    """Remove the lock store's leftovers from the database `empty_redis_db` found empty."""
    import redis

    client = redis.Redis(host=host, port=port, db=db, socket_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()
