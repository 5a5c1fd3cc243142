"""Our serving loader (bot.rasa.patches) restores the same model as Rasa's own loader, and the
selectors it runs only for their own intent give the answers Rasa's give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT

pytestmark = pytest.mark.rasa

PROBE = Path(__file__).with_name("load_probe.py")


def predictions(loader: str, model: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(PROBE), loader, str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)},
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("PROBE "))


def assert_close(ours: Any, theirs: Any, where: str = "") -> None:
    if isinstance(theirs, float):
        assert ours == pytest.approx(theirs, abs=1e-5), where
    elif isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in theirs:
            assert_close(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            assert_close(mine, other, f"{where}[{index}]")
    else:
        assert ours == theirs, where


def test_every_model_predicts_as_with_rasas_loader(trained_model: Path) -> None:
    theirs = predictions("rasa", trained_model)
    ours = predictions("ours", trained_model)
    # The probe reaches every TensorFlow model (DIET and both ResponseSelectors) and the policies.
    assert all(len(parse["responses"]) == 2 for parse in theirs["parses"])
    assert theirs["policies"]
    # Ours runs a selector only when the message's intent is its retrieval intent: the one answer
    # `utter_faq` or `utter_unknown` reads. Rasa's other selector outputs are never read.
    for parse in theirs["parses"]:
        parse["responses"] = {k: v for k, v in parse["responses"].items() if k == parse["intent"][0]}
    assert {tuple(parse["responses"]) for parse in theirs["parses"]} == {(), ("faq",), ("unknown",)}
    assert_close(ours, theirs)
