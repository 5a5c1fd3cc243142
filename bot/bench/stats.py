"""Figures from measured turns, the targets beside the stock bot, and the report text (pure, no I/O).

Latency counts answered turns only: a refused or failed turn is an error, reported as such, so a fast
429 can never make the bot look quicker.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

STOCK = "stock bot (rasa init)"
OURS = "ours, 1 replica"
REPLICAS = "ours, 2 replicas"
REST = "Rasa REST"
CHAT = "bot.web /chat"
CHAT_ES = "bot.web /chat, Spanish"

# Ratio limits (ours / stock unless said otherwise); see docs/performance.md for why these.
FAQ_P50_LIMIT = 1.2
BOOKING_P95_LIMIT = 3.0
THROUGHPUT_LIMIT = 1.0
REPLICA_SCALING_LIMIT = 1.5
COLD_START_LIMIT = 1.2
MEMORY_LIMIT = 1.2


@dataclass(frozen=True)
class Turn:
    """One visitor message: its kind (faq, booking, stock), how long the answer took, what went wrong."""

    kind: str
    seconds: float
    error: str | None = None
    end: float = 0.0  # when the answer came, in seconds from the start of its level

    @property
    def ok(self) -> bool:
        return self.error is None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p95: float
    p99: float


def latency(turns: Iterable[Turn], kind: str | None = None) -> Latency | None:
    """Percentiles of the answered turns (of one kind, or all); None when none was answered."""
    seconds = [t.seconds for t in turns if t.ok and (kind is None or t.kind == kind)]
    if not seconds:
        return None
    return Latency(len(seconds), percentile(seconds, 50), percentile(seconds, 95), percentile(seconds, 99))


@dataclass(frozen=True)
class Level:
    """One run of the harness: a setup, the path it was driven through, a concurrency.

    Visitors start conversations during `window_s` and finish the one they are in, so every booking
    runs whole; throughput counts the answers inside the window, when all visitors were busy.
    """

    setup: str
    path: str
    concurrency: int
    window_s: float
    turns: tuple[Turn, ...]
    conversations: int = 0  # conversations that ran to their end
    failed_checks: int = 0  # of those, how many ended wrongly (a booking without a reference code)

    @property
    def answered(self) -> int:
        return sum(1 for t in self.turns if t.ok)

    @property
    def throughput(self) -> float:
        """Answered turns per second while every visitor was busy."""
        if self.window_s <= 0:
            return 0.0
        return sum(1 for t in self.turns if t.ok and t.end <= self.window_s) / self.window_s

    @property
    def errors(self) -> int:
        return sum(1 for t in self.turns if not t.ok) + self.failed_checks

    def error_reasons(self) -> Counter[str]:
        reasons = Counter(t.error for t in self.turns if t.error is not None)
        if self.failed_checks:
            reasons["booking ended without a reference code"] += self.failed_checks
        return reasons

    def kinds(self) -> list[str]:
        return sorted({t.kind for t in self.turns})


def merge(slices: Sequence[Level]) -> Level:
    """One level from slices of it run at different moments (interleaved with other setups, so
    that load from elsewhere on the machine falls on every setup alike)."""
    first = slices[0]
    turns: list[Turn] = []
    for part in slices:
        # An answer after its own slice's window stays out of the merged window too.
        turns += [t if t.end <= part.window_s else replace(t, end=math.inf) for t in part.turns]
    return Level(
        first.setup,
        first.path,
        first.concurrency,
        sum(part.window_s for part in slices),
        tuple(turns),
        sum(part.conversations for part in slices),
        sum(part.failed_checks for part in slices),
    )


def find(levels: Iterable[Level], setup: str, path: str, concurrency: int) -> Level | None:
    return next(
        (lv for lv in levels if (lv.setup, lv.path, lv.concurrency) == (setup, path, concurrency)), None
    )


@dataclass(frozen=True)
class Target:
    """A figure of ours beside the baseline's, and the ratio it must stay within."""

    name: str
    ours: float | None
    baseline: float | None
    limit: float
    at_most: bool = True  # the ratio must be <= limit (time, memory); False: >= limit (throughput)
    unit: str = "ms"

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def verdict(self) -> str:
        ratio = self.ratio
        if ratio is None:
            return "n/a"
        passed = ratio <= self.limit if self.at_most else ratio >= self.limit
        return "PASS" if passed else "MISS"


@dataclass(frozen=True)
class Resources:
    """What one setup costs outside the turns: start-up, memory of its Rasa server(s), training."""

    cold_start_s: float | None = None
    peak_memory_kib: tuple[int, ...] = ()
    training_s: float | None = None

    @property
    def peak_memory(self) -> int | None:
        """The largest Rasa server's peak (one server is what the stock bot runs)."""
        return max(self.peak_memory_kib) if self.peak_memory_kib else None


@dataclass
class Bench:
    """Everything one `make bench` measured, with the conditions it ran under."""

    levels: list[Level] = field(default_factory=list)
    resources: dict[str, Resources] = field(default_factory=dict)
    machine: str = ""
    started: str = ""
    level_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _p(level: Level | None, kind: str | None, attribute: str) -> float | None:
    found = latency(level.turns, kind) if level else None
    return getattr(found, attribute) if found else None


def _throughput(level: Level | None) -> float | None:
    return level.throughput if level and level.answered else None


def targets(bench: Bench) -> list[Target]:
    """The issue's targets, on the like-for-like path (Rasa REST) and on what a visitor uses (/chat)."""
    levels = bench.levels
    stock_1 = find(levels, STOCK, REST, 1)
    stock_8 = find(levels, STOCK, REST, 8)
    rows: list[Target] = []
    for label, kind, stat, limit in (
        ("FAQ turn p50", "faq", "p50", FAQ_P50_LIMIT),
        ("booking turn p95", "booking", "p95", BOOKING_P95_LIMIT),
    ):
        for path in (REST, CHAT, CHAT_ES):
            ours_1 = find(levels, OURS, path, 1)
            rows.append(
                Target(f"{label}, c=1, {path}", _p(ours_1, kind, stat), _p(stock_1, None, stat), limit)
            )
    for path in (REST, CHAT, CHAT_ES):
        rows.append(
            Target(
                f"throughput, c=8, {path}",
                _throughput(find(levels, OURS, path, 8)),
                _throughput(stock_8),
                THROUGHPUT_LIMIT,
                at_most=False,
                unit="turns/s",
            )
        )
    for concurrency in (8, 32):
        rows.append(
            Target(
                f"2 replicas vs 1, throughput, c={concurrency}, {CHAT}",
                _throughput(find(levels, REPLICAS, CHAT, concurrency)),
                _throughput(find(levels, OURS, CHAT, concurrency)),
                REPLICA_SCALING_LIMIT,
                at_most=False,
                unit="turns/s",
            )
        )
    ours, stock = bench.resources.get(OURS, Resources()), bench.resources.get(STOCK, Resources())
    rows.append(
        Target(
            "cold start to first answer", ours.cold_start_s, stock.cold_start_s, COLD_START_LIMIT, unit="s"
        )
    )
    rows.append(
        Target("Rasa peak memory (VmHWM)", ours.peak_memory, stock.peak_memory, MEMORY_LIMIT, unit="KiB")
    )
    return rows


def parse_vm_hwm(status: str) -> int | None:
    """VmHWM (peak resident set, KiB) from the text of /proc/<pid>/status."""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            parts = line.split()
            return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    return None


# --- formatting -------------------------------------------------------------------------------


def show(value: float | None, unit: str) -> str:
    """A figure with its unit, readable at a glance; '–' when it was not measured."""
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value * 1000:.0f} ms"
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "KiB":
        return f"{value / 1024:.0f} MiB"
    if unit == "turns/s":
        return f"{value:.1f} turns/s"
    return f"{value:g} {unit}".strip()


def _limit(target: Target) -> str:
    return f"{'≤' if target.at_most else '≥'} {target.limit:g}x"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f}"


def turn_rows(levels: Iterable[Level]) -> list[list[str]]:
    """One row per level and kind; throughput and errors on the level's first row ('all')."""
    rows = []
    for level in levels:
        kinds = level.kinds()
        for kind in [None, *kinds] if len(kinds) > 1 else [None]:
            found = latency(level.turns, kind)
            first = kind is None
            rows.append(
                [
                    level.setup if first else "",
                    level.path if first else "",
                    str(level.concurrency) if first else "",
                    kind or "all",
                    str(found.count if found else 0),
                    _ms(found.p50 if found else None),
                    _ms(found.p95 if found else None),
                    _ms(found.p99 if found else None),
                    f"{level.throughput:.1f}" if first else "",
                    str(level.errors) if first else "",
                ]
            )
    return rows


def format_report(bench: Bench) -> str:
    """The report `make bench` prints and writes to results/BENCH.md (Markdown)."""
    lines = [
        "# Benchmark",
        "",
        f"`make bench` on {bench.started}: {bench.machine}. In each level the visitors start "
        f"conversations for {bench.level_seconds:g} s (in slices taken in turn with the other setups) and "
        "finish the one under way; throughput counts the answers within those seconds, latency every "
        "answered turn; errors are listed apart.",
        "",
        "## Targets (ratio to the stock `rasa init` bot in the same run)",
        "",
    ]
    lines += _table(
        ["target", "ours", "baseline", "ratio", "target", "verdict"],
        (
            [t.name, show(t.ours, t.unit), show(t.baseline, t.unit), _ratio(t.ratio), _limit(t), t.verdict]
            for t in targets(bench)
        ),
    )
    lines += [
        "",
        "Baseline: the stock bot's turns (all kinds) at the same concurrency; for the replica rows, one "
        "replica through the same path.",
        "",
        "## Turns",
        "",
    ]
    lines += _table(
        ["setup", "path", "conc.", "kind", "turns", "p50 ms", "p95 ms", "p99 ms", "turns/s", "errors"],
        turn_rows(bench.levels),
        right_from=4,
    )
    lines += ["", "## Errors", ""]
    failing = [lv for lv in bench.levels if lv.errors]
    for level in failing:
        reasons = ", ".join(f"{count} × {reason}" for reason, count in level.error_reasons().most_common())
        lines.append(f"- {level.setup} · {level.path} · c={level.concurrency}: {reasons}")
    if not failing:
        lines.append("None: every turn was answered.")
    lines += ["", "## Start-up, memory, training", ""]
    ours, stock = bench.resources.get(OURS, Resources()), bench.resources.get(STOCK, Resources())
    replicas = bench.resources.get(REPLICAS, Resources())
    rows = [
        ["cold start to first answer", *_pair(ours.cold_start_s, stock.cold_start_s, "s")],
        ["Rasa peak memory (VmHWM)", *_pair(ours.peak_memory, stock.peak_memory, "KiB")],
        ["training time", *_pair(ours.training_s, stock.training_s, "s")],
    ]
    if len(ours.peak_memory_kib) > 1:
        each = " + ".join(show(kib, "KiB") for kib in ours.peak_memory_kib)
        rows.append(["Rasa peak memory, one server per language (en + es)", each, "–", "–"])
    if replicas.peak_memory_kib:
        each = " + ".join(show(kib, "KiB") for kib in replicas.peak_memory_kib)
        rows.append(["Rasa peak memory, 2 replicas", each, "–", "–"])
    lines += _table(["", "ours", "stock", "ratio"], rows)
    if bench.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in bench.notes]
    return "\n".join(lines) + "\n"


def _pair(ours: float | None, stock: float | None, unit: str) -> list[str]:
    ratio = ours / stock if ours is not None and stock else None
    return [show(ours, unit), show(stock, unit), _ratio(ratio)]
