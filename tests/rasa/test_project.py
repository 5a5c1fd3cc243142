"""The Rasa project itself: data validation and the dialogue paths in test stories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bot.ops.training import rasa_executable, train_command
from bot.settings import ROOT

pytestmark = pytest.mark.rasa


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rasa_executable(), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_training_data_validates_without_warnings(language: str) -> None:
    """Each language's model as it trains: its config, its domain and its data (never another's)."""
    command = train_command(language, ROOT / "models" / "unused.tar.gz")
    given = command[command.index("--config") : command.index("--out")]  # --config, --domain, --data
    result = rasa("data", "validate", *given, "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_dialogue_paths_of_the_test_stories(trained_model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/stories",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, report or result.stderr[-3000:]
    assert "None of the test stories failed" in report
