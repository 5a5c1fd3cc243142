"""`python -m bot.bench.profile`: where one turn's time goes inside Rasa, one visitor at a time.

Loads the current model in this process (Rasa's Agent, as `rasa run` does) with the real action
server beside it, runs the bench's scripted conversations and times the parts of each turn: NLU, the
action server's HTTP round trips, Rasa's JSON-schema check of each action server answer, the tracker
store, and the rest (policies, bookkeeping). It repeats the run with the tracker in memory and with a
validator built once instead of per call, to show what each would save. Nothing here changes the
product; the variants exist only inside this process.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bench.scripts import BOOKING, FAQ, our_conversations
from bot.bench.servers import spawn, stack_environment
from bot.bench.stats import percentile
from bot.ops.runtime_config import rasa_environment
from bot.ops.training import model_path
from bot.settings import ROOT, load_settings

PARTS = ("nlu", "action server", "validation", "tracker store")


class Clock:
    """Seconds spent in each part, summed over the turns of one variant."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def around(self, part: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                self.totals[part] += time.perf_counter() - began
                self.calls[part] += 1

        return timed


@dataclass
class Variant:
    name: str
    tracker: str  # "sql" (as deployed) or "memory"
    cached_validator: bool
    turns: dict[str, list[float]]
    parts: Counter[str]
    action_calls: int

    def row(self) -> list[str]:
        count = sum(len(v) for v in self.turns.values())
        total = sum(sum(v) for v in self.turns.values())
        rest = total - sum(self.parts[p] for p in PARTS)
        per_turn = [self.parts[p] / count for p in PARTS] + [rest / count]
        return [
            self.name,
            *(f"{percentile(self.turns[k], 50) * 1000:.0f}" for k in (FAQ, BOOKING)),
            f"{total / count * 1000:.0f}",
            f"{self.action_calls / count:.1f}",
            *(f"{seconds * 1000:.1f}" for seconds in per_turn),
        ]


def _instrument(clock: Clock, state: dict[str, bool]) -> None:
    """Time Rasa's parts by wrapping them on their classes (this process only)."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa import patches

    MessageProcessor.parse_message = clock.around("nlu", MessageProcessor.parse_message)
    EndpointConfig.request = clock.around("action server", EndpointConfig.request)
    spec = RemoteAction.action_response_format_spec()
    built_once = jsonschema.validators.validator_for(spec)(spec)
    patches.apply()  # first, so the agents loaded below leave the wrapper in place
    per_call = patches.RASA_VALIDATE

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        began = time.perf_counter()
        try:
            if state["cached_validator"]:
                built_once.validate(result)
                return True
            return per_call(self, result)
        finally:
            clock.totals["validation"] += time.perf_counter() - began

    RemoteAction._validate_action_result = validate


def _time_tracker_store(agent: Any, clock: Clock) -> None:
    store = agent.tracker_store
    for method in ("retrieve", "retrieve_full_tracker", "save"):
        if hasattr(store, method):
            setattr(store, method, clock.around("tracker store", getattr(store, method)))


async def _variant(
    agent: Any, clock: Clock, name: str, tracker: str, cached: bool, rounds: int, scripts: Sequence[Any]
) -> Variant:
    clock.totals.clear()
    clock.calls.clear()
    turns: dict[str, list[float]] = {FAQ: [], BOOKING: []}
    for round_number in range(rounds):
        for index, script in enumerate(scripts):
            sender = f"profile-{name}-{round_number}-{index}-{time.monotonic_ns()}"
            for text in script.turns:
                began = time.perf_counter()
                await agent.handle_text(text, sender_id=sender)
                turns[script.kind].append(time.perf_counter() - began)
    return Variant(name, tracker, cached, turns, Counter(clock.totals), clock.calls["action server"])


async def profile(rounds: int, dump: Path | None) -> list[Variant]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.tensorflow.environment import setup_tf_environment

    from bot.launcher import action_server_command, child_environment, migrate

    configure_logging_and_warnings(logging.WARNING)
    setup_tf_environment()  # as `rasa run` does: TF_INTRA_OP_PARALLELISM_THREADS and the like apply
    configure_structlog(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    env = stack_environment(tmp)
    os.environ.update(env)
    settings = load_settings(env)
    os.environ.update(rasa_environment(settings))
    migrate(settings)
    actions = spawn("action server", action_server_command(settings), ROOT, child_environment(settings), tmp)
    clock, state = Clock(), {"cached_validator": False}
    _instrument(clock, state)
    scripts = our_conversations(datetime.now(settings.practice_timezone).date(), settings.practice_hours)
    variants: list[Variant] = []
    try:
        await asyncio.sleep(5)  # the action server starts meanwhile; the model load below takes longer
        for tracker in ("sql", "memory"):
            if tracker == "sql":
                endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
            else:
                endpoints = AvailableEndpoints(action=EndpointConfig(url=settings.action_server_url))
            agent = await load_agent(model_path=str(model_path()), endpoints=endpoints)
            _time_tracker_store(agent, clock)
            await _variant(agent, clock, "warm-up", tracker, False, 1, scripts[:2])
            for cached in (False, True):
                state["cached_validator"] = cached
                name = f"tracker {'SQLite' if tracker == 'sql' else 'in memory'}, validator " + (
                    "built once" if cached else "per call (Rasa 3.6)"
                )
                variants.append(await _variant(agent, clock, name, tracker, cached, rounds, scripts))
                if dump and tracker == "sql" and cached:  # as deployed
                    # Apart from the timed runs: the profiler itself slows Python code down several times.
                    profiler = cProfile.Profile()
                    profiler.enable()
                    await _variant(agent, clock, "profiled", tracker, cached, 1, scripts)
                    profiler.disable()
                    profiler.dump_stats(str(dump))
                print(f"  {name}: done", file=sys.stderr, flush=True)
    finally:
        actions.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return variants


def table(variants: Sequence[Variant]) -> str:
    header = [
        "variant",
        "FAQ p50 ms",
        "booking p50 ms",
        "mean turn ms",
        "action calls per turn",
        "NLU",
        "action server HTTP",
        "response validation",
        "tracker store",
        "rest (policies, …)",
    ]
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    lines += ["| " + " | ".join(v.row()) + " |" for v in variants]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each variant runs all scripts")
    parser.add_argument("--cprofile", type=Path, help="also dump cProfile stats of the deployed variant here")
    args = parser.parse_args(argv)
    if not model_path().exists():
        print("error: no trained model for the current data: run `make train` first", file=sys.stderr)
        return 1
    variants = asyncio.run(profile(args.rounds, args.cprofile))
    print("Per-turn milliseconds, one visitor at a time (parts are means per turn):\n")
    print(table(variants))
    if args.cprofile:
        print(f"\nTop of the cProfile ({args.cprofile}), by cumulative time:")
        pstats.Stats(str(args.cprofile)).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
