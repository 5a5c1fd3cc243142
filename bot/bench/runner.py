"""The bench's phases. Training is timed alone. Then every setup is started one after another (each
cold start timed while the others sit idle) and all stay up; the load levels drive them in
alternating slices, so a burst of other people's work on the shared machine falls on every setup
alike instead of skewing one of them. Whatever a phase started is stopped at the end, even on failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from bot.bench.driver import Channel, ChatChannel, Harness, RestChannel, first_answer
from bot.bench.handoff import staff_reply_delivery
from bot.bench.scripts import Script, our_conversations, stock_conversations
from bot.bench.servers import (
    Process,
    empty_redis_db,
    flush_redis_db,
    free_port,
    machine,
    peak_memory_kib,
    quiet_environment,
    rasa_server_pids,
    spawn,
    stack_environment,
    timed,
)
from bot.bench.stats import CHAT, CHAT_ES, OURS, REPLICAS, REST, STOCK, Bench, Level, Resources, merge
from bot.ops.training import model_path, rasa_executable, train_command
from bot.settings import ROOT, load_settings
from bot.store.db import create_database, drop_database

START_TIMEOUT_S = 300
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ORDER = {STOCK: 0, OURS: 1, REPLICAS: 2, REST: 0, CHAT: 1, CHAT_ES: 2}


@dataclass(frozen=True)
class Options:
    levels: tuple[int, ...] = (1, 8, 32)
    seconds: float = 20.0
    slices: int = 2  # each level is run in this many slices, alternating between the setups
    baseline: bool = True
    training: bool = True
    replicas: bool = True
    keep: bool = False
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))


@dataclass(frozen=True)
class Driven:
    """A setup reachable through one path, with the conversations it is driven with."""

    setup: str
    channel: Channel
    scripts: list[Script]


async def _healthy(client: httpx.AsyncClient, url: str, process: Process, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if not process.alive():
            raise RuntimeError(f"the {process.name} exited during start-up:\n{process.tail()}")
        try:
            if (await client.get(url, timeout=3)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the {process.name} did not answer {url} within {timeout_s:.0f} s:\n{process.tail()}")


async def _answering(client: httpx.AsyncClient, process: Process, rest_url: str) -> float:
    """Seconds from spawning `process` to the first REST answer of the Rasa server it runs."""
    try:
        answered = await first_answer(client, rest_url, "hello", START_TIMEOUT_S, process.alive)
    except RuntimeError as error:
        raise RuntimeError(f"the {process.name}: {error}\n{process.tail()}") from None
    return answered - process.spawned


class Runner:
    """One `make bench`: a temp dir, one HTTP client, the figures gathered into a `Bench`."""

    def __init__(self, options: Options, client: httpx.AsyncClient, tmp: Path) -> None:
        self.options = options
        self.client = client
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.harness = Harness(client, uuid.uuid4().hex[:8])
        self.bench = Bench(
            machine=machine(),
            started=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            level_seconds=options.seconds,
        )
        settings = load_settings(stack_environment(tmp))
        today = datetime.now(settings.practice_timezone).date()
        self.ours = our_conversations(today, settings.practice_hours)
        self.ours_es = our_conversations(today, settings.practice_hours, language="es")
        self.log = options.log
        self.cleanups: list[Callable[[], None]] = []  # run in reverse at the end
        self.rasa_processes: dict[str, list[Process]] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.ours_env: dict[str, str] = {}

    async def run(self) -> Bench:
        """Every phase; one that fails is reported as a note, and the others' figures still count."""
        training = None
        if self.options.training:
            training = await self._phase("timing our training", self.train_ours)
        driven: list[Driven] = []
        try:
            if self.options.baseline:
                driven += await self._phase("the stock bot", self.start_stock) or []
            else:
                self.bench.notes.append("The stock bot was skipped (--skip-baseline): no ratios.")
            driven += await self._phase("one replica", self.start_ours) or []
            if self.ours_env:
                await self._phase("a staff reply's delivery", self.staff_reply)
            if self.options.replicas:
                driven += await self._phase("two replicas", self.start_replicas) or []
            else:
                self.bench.notes.append("Two replicas were skipped (--skip-replicas).")
            if driven:
                await self._phase("driving the load", lambda: self.drive(driven))
            self.read_memory()
        finally:
            self.clean_up()
        self.resources.setdefault(OURS, {})["training_s"] = training
        for setup, values in self.resources.items():
            self.bench.resources[setup] = Resources(**values)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        self.bench.notes.append(f"Load average at the end: {load} (other people's work shares the machine).")
        return self.bench

    async def _phase(self, name: str, step: Callable[[], Any]) -> Any:
        try:
            result = step()
            return await result if asyncio.iscoroutine(result) else result
        except Exception as error:  # any failure of a phase is a finding to print, not a lost run
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.log(f"FAILED: {name}: {error}")
            self.bench.notes.append(f"FAILED — {name}: {first} (`--keep` keeps the servers' logs)")
            return None

    def clean_up(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # one failed clean-up must not leave the others undone
                self.log(f"clean-up failed: {error}")
        self.cleanups.clear()

    def _spawn(self, name: str, command: list[str], cwd: Path, env: dict[str, str]) -> Process:
        process = spawn(name, command, cwd, env, self.logs)
        self.cleanups.append(process.stop)
        return process

    def train_ours(self) -> float:
        """`rasa train` of our project into the temp dir with an empty cache: models/ stays untouched."""
        self.log("Training our English model into a temp dir (timed; models/ is not touched)…")
        env = quiet_environment(RASA_CACHE_DIRECTORY=str(self.tmp / "train-cache"))
        command = train_command("en", self.tmp / "train" / "bench.tar.gz")
        seconds = timed(command, ROOT, env, self.logs / "train-ours.log")
        self.log(f"  trained in {seconds:.0f} s")
        return seconds

    async def start_stock(self) -> list[Driven]:
        project = self.tmp / "stock"
        project.mkdir()
        self.log("Creating and training the stock bot (rasa init --no-prompt, timed)…")
        env = quiet_environment()
        command = [rasa_executable(), "init", "--no-prompt", "--init-dir", str(project)]
        training = timed(command, project, env, self.logs / "stock-init.log")
        self.log(f"  rasa init took {training:.0f} s")
        port = free_port()
        run = [rasa_executable(), "run", "--interface", "127.0.0.1", "--port", str(port)]
        server = self._spawn("stock Rasa server", run, project, env)
        url = f"http://127.0.0.1:{port}"
        cold = await _answering(self.client, server, url)
        self.log(f"  stock bot: first answer {cold:.1f} s after spawning `rasa run`")
        scripts = stock_conversations()
        for script in scripts:
            await self.harness.converse(RestChannel(url), script)
        self.rasa_processes[STOCK] = [server]
        self.resources[STOCK] = {"cold_start_s": cold, "training_s": training}
        return [Driven(STOCK, RestChannel(url), scripts)]

    async def start_ours(self) -> list[Driven]:
        (self.tmp / "ours").mkdir(exist_ok=True)
        env = stack_environment(self.tmp / "ours")
        rest, web = f"http://127.0.0.1:{env['RASA_PORT']}", f"http://127.0.0.1:{env['WEB_PORT']}"
        self.log("Starting our stack (python -m bot.launcher run, fresh SQLite stores)…")
        launcher = self._spawn("launcher", [sys.executable, "-m", "bot.launcher", "run"], ROOT, env)
        cold = await _answering(self.client, launcher, rest)
        self.log(f"  ours: first answer {cold:.1f} s after spawning the launcher")
        await _healthy(self.client, f"{web}/healthz", launcher, START_TIMEOUT_S)
        spanish = ChatChannel(web, path=CHAT_ES, lang="es")
        for channel, scripts in ((ChatChannel(web), self.ours), (spanish, self.ours_es)):
            for script in scripts[:2]:
                await self.harness.converse(channel, script)
        self.rasa_processes[OURS] = [launcher]
        self.resources[OURS] = {"cold_start_s": cold}
        self.ours_env = env
        return [
            Driven(OURS, RestChannel(rest), self.ours),
            Driven(OURS, ChatChannel(web), self.ours),
            Driven(OURS, spanish, self.ours_es),
        ]

    async def staff_reply(self) -> None:
        web = f"http://127.0.0.1:{self.ours_env['WEB_PORT']}"
        line = await staff_reply_delivery(self.client, web, self.ours_env["DATABASE_URL"])
        self.log(f"  {line}")
        self.bench.notes.append(line)

    async def start_replicas(self) -> list[Driven]:
        server = os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES
        tracker = create_database(server, "bench_tracker")
        self.cleanups.append(lambda: drop_database(server, tracker))
        store = create_database(server, "bench_store")
        self.cleanups.append(lambda: drop_database(server, store))
        redis_db = empty_redis_db()
        self.cleanups.append(lambda: flush_redis_db(redis_db))
        from bot.store.migrate import upgrade

        upgrade(store)
        self.log(f"Starting two replicas (PostgreSQL tracker, Redis lock store db {redis_db})…")
        base = stack_environment(
            self.tmp / "replicas",
            DATABASE_URL=store,
            TRACKER_DATABASE_URL=tracker,
            LOCK_STORE_URL=f"redis://127.0.0.1:6379/{redis_db}",
        )
        serve = [sys.executable, "-m", "bot.launcher", "serve"]
        rasa_urls, servers = [], []
        for name in ("a", "b"):
            action_port, rasa_port = free_port(), free_port()
            env = dict(
                base,
                ACTION_PORT=str(action_port),
                RASA_PORT=str(rasa_port),
                ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
            )
            actions = self._spawn(f"action server {name}", [*serve, "actions"], ROOT, env)
            await _healthy(self.client, f"http://127.0.0.1:{action_port}/health", actions, START_TIMEOUT_S)
            rasa = self._spawn(f"Rasa server {name}", [*serve, "rasa"], ROOT, env)
            url = f"http://127.0.0.1:{rasa_port}"
            await _answering(self.client, rasa, url)  # one at a time: two model loads would starve the CPU
            rasa_urls.append(url)
            servers.append(rasa)
        web = self._spawn("web server", [*serve, "web"], ROOT, dict(base, RASA_URLS=",".join(rasa_urls)))
        web_url = f"http://127.0.0.1:{base['WEB_PORT']}"
        await _healthy(self.client, f"{web_url}/healthz", web, START_TIMEOUT_S)
        for url in rasa_urls:
            for script in self.ours[:2]:
                await self.harness.converse(RestChannel(url), script)
        self.rasa_processes[REPLICAS] = servers
        self.resources[REPLICAS] = {}
        self.bench.notes.append(
            "Two replicas: two Rasa servers and two action servers sharing a Redis lock store and private "
            "PostgreSQL tracker and appointment databases, bot.web balancing over RASA_URLS; one replica "
            "uses SQLite stores, so the ratio also carries that difference."
        )
        return [Driven(REPLICAS, ChatChannel(web_url), self.ours)]

    async def drive(self, driven: list[Driven]) -> None:
        """Each level in slices, taking the setups in turn, then the slices merged per setup and path."""
        part = self.options.seconds / self.options.slices
        levels: list[Level] = []
        for concurrency in self.options.levels:
            slices: dict[tuple[str, str], list[Level]] = {}
            for _ in range(self.options.slices):
                for one in driven:
                    level = await self.harness.level(one.setup, one.channel, one.scripts, concurrency, part)
                    slices.setdefault((one.setup, one.channel.path), []).append(level)
            for parts in slices.values():
                level = merge(parts)
                levels.append(level)
                self.log(
                    f"  {level.setup} · {level.path} · c={concurrency}: {level.answered} turns, "
                    f"{level.throughput:.1f} turns/s, {level.errors} errors"
                )
        levels.sort(key=lambda lv: (ORDER[lv.setup], ORDER[lv.path], lv.concurrency))
        self.bench.levels += levels

    def read_memory(self) -> None:
        """VmHWM of each setup's Rasa server(s), after all the load (the peak is what matters)."""
        for setup, processes in self.rasa_processes.items():
            peaks = []
            for process in processes:
                for pid in rasa_server_pids(process.pid):
                    if kib := peak_memory_kib(pid):
                        peaks.append(kib)
            self.resources.setdefault(setup, {})["peak_memory_kib"] = tuple(peaks)


async def bench(options: Options) -> Bench:
    """Run every phase in a fresh temp dir (removed afterwards unless `keep`)."""
    if not model_path().exists():
        raise RuntimeError(
            f"no trained model for the current data ({model_path().relative_to(ROOT)}): run `make train` "
            "first — the bench never trains into models/"
        )
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0), limits=limits) as client:
            return await Runner(options, client, tmp).run()
    finally:
        if options.keep:
            options.log(f"Logs and temp files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
