"""The bench's arithmetic and report: percentiles, error accounting, ratios and verdicts, the text."""

from __future__ import annotations

from datetime import date

import numpy
import pytest

from bot.bench.driver import address_of
from bot.bench.scripts import BOOKING, FAQ, our_conversations, preferred_day, stock_conversations
from bot.bench.stats import (
    CHAT,
    OURS,
    REPLICAS,
    REST,
    STOCK,
    Bench,
    Level,
    Resources,
    Target,
    Turn,
    format_report,
    latency,
    merge,
    parse_vm_hwm,
    percentile,
    show,
    targets,
)
from bot.booking.hours import parse_hours


@pytest.mark.parametrize("q", [0, 1, 50, 90, 95, 99, 100])
def test_percentiles_match_numpys_linear_interpolation(q: float) -> None:
    values = [0.31, 0.02, 0.5, 0.11, 0.11, 1.7, 0.09, 0.4, 0.23, 0.05, 0.8]
    assert percentile(values, q) == pytest.approx(float(numpy.percentile(values, q)))


def test_percentile_of_one_value_is_that_value_and_of_none_is_an_error() -> None:
    assert percentile([0.2], 99) == 0.2
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_counts_answered_turns_only_and_by_kind() -> None:
    turns = [
        Turn(FAQ, 0.1),
        Turn(FAQ, 0.3),
        Turn(BOOKING, 0.5),
        Turn(FAQ, 0.001, "HTTP 429 (rate limited)"),  # a fast refusal must not look like a fast answer
    ]
    faq = latency(turns, FAQ)
    assert faq is not None and (faq.count, faq.p50) == (2, pytest.approx(0.2))
    everything = latency(turns)
    assert everything is not None and everything.count == 3 and everything.p50 == pytest.approx(0.3)
    assert latency([Turn(FAQ, 0.1, "timeout")]) is None
    assert latency(turns, "stock") is None


def test_a_level_counts_failed_turns_and_wrong_endings_as_errors() -> None:
    level = Level(
        OURS,
        CHAT,
        8,
        window_s=2.0,
        turns=(
            Turn(FAQ, 0.1),
            Turn(FAQ, 0.2),
            Turn(BOOKING, 0.1, "HTTP 429 (rate limited)"),
            Turn(FAQ, 9, "timeout"),
        ),
        conversations=3,
        failed_checks=1,
    )
    assert level.answered == 2
    assert level.throughput == pytest.approx(1.0)
    assert level.errors == 3
    assert level.error_reasons() == {
        "HTTP 429 (rate limited)": 1,
        "timeout": 1,
        "booking ended without a reference code": 1,
    }


def test_throughput_counts_answers_inside_the_window_but_latency_counts_all() -> None:
    turns = (Turn(BOOKING, 0.2, end=1.5), Turn(BOOKING, 0.2, end=3.9), Turn(BOOKING, 0.1, end=4.2))
    level = Level(OURS, REST, 32, window_s=4.0, turns=turns, conversations=1)
    assert level.throughput == pytest.approx(0.5)  # the last answer came after the window
    assert latency(level.turns).count == 3


def test_slices_of_a_level_merge_with_each_slice_keeping_its_own_window() -> None:
    first = Level(OURS, CHAT, 8, 2.0, (Turn(FAQ, 0.1, end=1.0), Turn(FAQ, 0.1, end=2.5)), 1, 0)
    second = Level(
        OURS, CHAT, 8, 2.0, (Turn(BOOKING, 0.3, end=1.9), Turn(BOOKING, 0.2, "timeout", 1.0)), 2, 1
    )
    merged = merge([first, second])
    assert (merged.setup, merged.path, merged.concurrency, merged.window_s) == (OURS, CHAT, 8, 4.0)
    assert merged.throughput == pytest.approx(2 / 4)  # the answer at 2.5 s came after its slice's window
    assert (merged.conversations, merged.failed_checks, merged.errors) == (3, 1, 2)
    assert latency(merged.turns).count == 3


def test_targets_compare_ratios_in_the_right_direction() -> None:
    slower = Target("latency", ours=0.13, baseline=0.1, limit=1.2)
    assert slower.ratio == pytest.approx(1.3) and slower.verdict == "MISS"
    assert Target("latency", ours=0.12, baseline=0.1, limit=1.2).verdict == "PASS"
    faster = Target("throughput", ours=12.0, baseline=10.0, limit=1.0, at_most=False)
    assert faster.verdict == "PASS"
    assert Target("throughput", ours=9.0, baseline=10.0, limit=1.0, at_most=False).verdict == "MISS"
    assert Target("latency", ours=0.1, baseline=None, limit=1.2).verdict == "n/a"
    assert Target("latency", ours=None, baseline=0.1, limit=1.2).ratio is None


def _level(setup: str, path: str, concurrency: int, seconds: float, *turns: Turn) -> Level:
    return Level(setup, path, concurrency, seconds, tuple(turns))


def sample_bench() -> Bench:
    stock = [Turn("stock", s) for s in (0.05, 0.1, 0.1, 0.2)]
    return Bench(
        levels=[
            _level(STOCK, REST, 1, 1.0, *stock),
            _level(STOCK, REST, 8, 1.0, *(stock * 5)),  # 20 turns/s
            _level(OURS, REST, 1, 1.0, Turn(FAQ, 0.1), Turn(FAQ, 0.14), Turn(BOOKING, 0.3)),
            _level(OURS, CHAT, 1, 1.0, Turn(FAQ, 0.2), Turn(BOOKING, 0.4), Turn(BOOKING, 0.1, "HTTP 503")),
            _level(OURS, REST, 8, 2.0, *([Turn(FAQ, 0.1)] * 50)),  # 25 turns/s
            _level(OURS, CHAT, 8, 2.0, *([Turn(FAQ, 0.1)] * 30)),  # 15 turns/s
            _level(REPLICAS, CHAT, 8, 2.0, *([Turn(FAQ, 0.1)] * 48)),  # 24 turns/s
        ],
        resources={
            OURS: Resources(cold_start_s=30.0, peak_memory_kib=(1_400_000,), training_s=200.0),
            STOCK: Resources(cold_start_s=20.0, peak_memory_kib=(1_000_000,), training_s=50.0),
            REPLICAS: Resources(peak_memory_kib=(1_300_000, 1_350_000)),
        },
        machine="Test CPU, 2 cores",
        started="2026-11-25 21:00 UTC",
        level_seconds=20,
        notes=["Two replicas: a note."],
    )


def test_the_issue_targets_are_computed_from_the_right_levels() -> None:
    found = {t.name: t for t in targets(sample_bench())}
    faq = found[f"FAQ turn p50, c=1, {REST}"]
    assert (faq.ours, faq.baseline) == (pytest.approx(0.12), pytest.approx(0.1))
    assert faq.verdict == "PASS"
    assert found[f"FAQ turn p50, c=1, {CHAT}"].verdict == "MISS"  # 0.2 vs 0.1
    booking = found[f"booking turn p95, c=1, {REST}"]
    assert booking.ours == pytest.approx(0.3) and booking.baseline == pytest.approx(
        percentile([0.05, 0.1, 0.1, 0.2], 95)
    )
    assert found[f"throughput, c=8, {REST}"].ratio == pytest.approx(1.25)
    assert found[f"throughput, c=8, {CHAT}"].verdict == "MISS"
    replicas = found[f"2 replicas vs 1, throughput, c=8, {CHAT}"]
    assert replicas.ratio == pytest.approx(1.6) and replicas.verdict == "PASS"
    assert found[f"2 replicas vs 1, throughput, c=32, {CHAT}"].verdict == "n/a"  # not measured
    assert found["cold start to first answer"].ratio == pytest.approx(1.5)
    assert found["cold start to first answer"].verdict == "MISS"
    assert found["Rasa peak memory (VmHWM)"].ratio == pytest.approx(1.4)


def test_the_report_shows_verdicts_figures_errors_and_notes() -> None:
    report = format_report(sample_bench())
    assert report.startswith("# Benchmark\n")
    assert "Test CPU, 2 cores" in report and "20 s" in report
    assert f"| FAQ turn p50, c=1, {REST} | 120 ms | 100 ms | 1.20x | ≤ 1.2x | PASS |" in report
    assert f"| throughput, c=8, {REST} | 25.0 turns/s | 20.0 turns/s | 1.25x | ≥ 1x | PASS |" in report
    assert "| cold start to first answer | 30.0 s | 20.0 s | 1.50x | ≤ 1.2x | MISS |" in report
    assert f"- {OURS} · {CHAT} · c=1: 1 × HTTP 503" in report
    assert "| Rasa peak memory, 2 replicas | 1270 MiB + 1318 MiB | – | – |" in report
    assert "| training time | 200.0 s | 50.0 s | 4.00x |" in report
    assert "- Two replicas: a note." in report
    # One row per kind under a level with several kinds, throughput on its first row only.
    assert f"| {OURS} | {REST} | 1 | all | 3 | 140 | 284 | 297 | 3.0 | 0 |" in report
    assert "|  |  |  | booking | 1 | 300 | 300 | 300 |  |  |" in report


def test_a_report_without_errors_says_so() -> None:
    bench = Bench(levels=[_level(STOCK, REST, 1, 1.0, Turn("stock", 0.1))])
    report = format_report(bench)
    assert "None: every turn was answered." in report
    assert "| FAQ turn p50, c=1, Rasa REST | – | 100 ms | – | ≤ 1.2x | n/a |" in report


def test_peak_memory_is_read_from_proc_status() -> None:
    status = "Name:\tpython\nVmPeak:\t 3000000 kB\nVmHWM:\t 1466552 kB\nVmRSS:\t 1200000 kB\n"
    assert parse_vm_hwm(status) == 1_466_552
    assert parse_vm_hwm("Name:\tkthreadd\n") is None


def test_figures_are_shown_with_their_units() -> None:
    assert show(0.0834, "ms") == "83 ms"
    assert show(12.345, "s") == "12.3 s"
    assert show(2 * 1024 * 1024, "KiB") == "2048 MiB"
    assert show(None, "ms") == "–"


def test_conversations_stay_under_the_per_conversation_rate_limit() -> None:
    hours = parse_hours("Mon-Fri 08:00-17:00")
    scripts = our_conversations(date(2026, 11, 25), hours) + stock_conversations()
    assert {s.kind for s in scripts} == {FAQ, BOOKING, "stock"}
    assert all(len(s.turns) <= 10 for s in scripts)  # bot.web allows 20 turns a minute per conversation
    assert all(s.expects_code == (s.kind == BOOKING) for s in scripts)


def test_the_preferred_day_is_an_open_day_at_least_two_days_ahead() -> None:
    hours = parse_hours("Mon-Fri 08:00-17:00")
    assert preferred_day(date(2026, 11, 25), hours) == date(2026, 11, 27)  # Wednesday -> Friday
    assert preferred_day(date(2026, 11, 26), hours) == date(2026, 11, 30)  # Thursday -> Monday


def test_every_simulated_visitor_has_its_own_address() -> None:
    addresses = {address_of(n) for n in range(1, 70_000)}
    assert len(addresses) == 69_999
