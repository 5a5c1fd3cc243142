"""The model's name is a fingerprint of its inputs: it changes exactly when they do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.ops.training import fingerprint, model_path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config.yml").write_text("language: en\n")
    (tmp_path / "domain.yml").write_text("version: '3.1'\nintents:\n  - greet\n")
    (tmp_path / "bot" / "rasa").mkdir(parents=True)
    (tmp_path / "bot" / "rasa" / "nlu.py").write_text("class QuestionSplitter: ...\n")
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "nlu" / "x.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - hi\n")
    return tmp_path


def test_fingerprint_is_stable(project: Path) -> None:
    first = fingerprint(project)
    assert first == fingerprint(project)
    assert len(first) == 16
    assert re.fullmatch(r"[0-9a-f]{16}", first)


def test_model_path_is_named_after_the_fingerprint(project: Path) -> None:
    assert model_path(project) == project / "models" / f"model-{fingerprint(project)}.tar.gz"


@pytest.mark.parametrize("name", ["config.yml", "domain.yml", "bot/rasa/nlu.py", "data/nlu/x.yml"])
def test_fingerprint_changes_when_an_input_changes(project: Path, name: str) -> None:
    before = fingerprint(project)
    path = project / name
    path.write_text(path.read_text() + "# edited\n")
    assert fingerprint(project) != before


def test_fingerprint_changes_when_data_is_added_or_renamed(project: Path) -> None:
    before = fingerprint(project)
    extra = project / "data" / "stories.yaml"
    extra.write_text("stories: []\n")
    added = fingerprint(project)
    assert added != before
    extra.rename(project / "data" / "rules.yaml")
    assert fingerprint(project) not in (before, added)


def test_fingerprint_ignores_files_that_do_not_shape_the_model(project: Path) -> None:
    before = fingerprint(project)
    (project / "README.md").write_text("notes\n")
    (project / "data" / "notes.md").write_text("notes\n")
    (project / "models").mkdir()
    (project / "models" / "model-old.tar.gz").write_bytes(b"\0")
    assert fingerprint(project) == before
