"""`python -m bot.bench` (`make bench`): drive our bot and the stock Rasa bot, print the figures.

Prints the report and writes it to results/BENCH.md. Loads both cores for ~15 minutes; `--quick` is a
short smoke run (short levels, no training, no replicas).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.bench.runner import Options, bench
from bot.bench.stats import format_report
from bot.settings import ROOT

REPORT = ROOT / "results" / "BENCH.md"


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of numbers") from None
    if not levels or any(level < 1 for level in levels):
        raise argparse.ArgumentTypeError("concurrency levels must be positive")
    return levels


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 4 s levels, no training, no replicas"
    )
    parser.add_argument("--seconds", type=float, help="how long each level runs (default 20, quick 4)")
    parser.add_argument(
        "--levels", type=_levels, default=(1, 8, 32), help="concurrency levels (default 1,8,32)"
    )
    parser.add_argument(
        "--slices", type=int, default=2, help="run each level in N slices, taking the setups in turn"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="no stock bot, so no ratios")
    parser.add_argument("--skip-training", action="store_true", help="do not time `rasa train`")
    parser.add_argument("--skip-replicas", action="store_true", help="no two-replica figures")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the servers' logs")
    args = parser.parse_args(argv)
    options = Options(
        levels=args.levels,
        seconds=args.seconds or (4.0 if args.quick else 20.0),
        slices=max(1, args.slices),
        baseline=not args.skip_baseline,
        training=not (args.skip_training or args.quick),
        replicas=not (args.skip_replicas or args.quick),
        keep=args.keep,
    )
    try:
        figures = asyncio.run(bench(options))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = format_report(figures)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(report)
    print(report)
    print(f"Written to {REPORT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
