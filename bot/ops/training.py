"""Train the Rasa model only when its inputs changed.

The model is named after a hash of everything that shapes it (config, domain, training data), so an
existing `models/<hash>.tar.gz` is the model for the current data and nothing needs training.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

# bot/rasa/nlu.py holds the trainable QuestionSplitter: a change to it is a change to the model.
_INPUTS = ("config.yml", "domain.yml", "bot/rasa/nlu.py")


def training_inputs(root: Path = ROOT) -> list[Path]:
    files = [root / name for name in _INPUTS]
    files += sorted(
        p for p in (root / "data").rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".txt")
    )
    return files


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"model-{fingerprint(root)}.tar.gz"


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def ensure_model(*, force: bool = False, quiet: bool = False) -> Path:
    """The trained model for the current data, training it first if it does not exist yet."""
    path = model_path()
    if path.exists() and not force:
        return path
    print(f"Training the Rasa model (inputs changed) -> {path.relative_to(ROOT)}", flush=True)
    command = [
        rasa_executable(),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(path.parent),
        "--fixed-model-name",
        path.name.removesuffix(".tar.gz"),
    ]
    if force:
        command.append("--force")
    result = subprocess.run(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        check=False,
    )
    if result.returncode != 0 or not path.exists():
        raise RuntimeError(f"rasa train failed (exit code {result.returncode})")
    for old in path.parent.glob("model-*.tar.gz"):
        if old != path:
            old.unlink()
    return path
