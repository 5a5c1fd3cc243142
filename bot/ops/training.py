"""Train each language's Rasa model only when its inputs changed.

One model per language, as Rasa recommends. English is the project as `rasa init` lays it out
(config.yml, domain.yml, data/nlu); another language keeps what differs under `data/<lang>/`: its
pipeline (`config.yml`), its NLU examples (`nlu/`) and its responses (`domain.yml`). The rules and
stories in data/ are shared, as are the intents, slots and forms of the top-level domain.yml, into
which the language's responses are merged at training time (with its `language` slot starting there).

A model is named after a hash of everything that shapes it, so an existing `models/model-…tar.gz` is
the model for the current data and nothing needs training.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import yaml

from bot.conversation.wording import DEFAULT_LANGUAGE, LANGUAGES
from bot.settings import ROOT, VAR_DIR

# bot/rasa/nlu.py holds the trainable QuestionSplitter: a change to it is a change to the model.
_CODE = "bot/rasa/nlu.py"
_DATA_SUFFIXES = (".yml", ".yaml", ".txt")


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES)


def _is_other_language(path: Path, data: Path) -> bool:
    return path.relative_to(data).parts[0] in LANGUAGES


def training_data(language: str = DEFAULT_LANGUAGE, root: Path = ROOT) -> list[Path]:
    """What `rasa train --data` gets: the language's NLU, and the rules and stories all share."""
    data = root / "data"
    if not data.is_dir():
        return []
    shared = [p for p in sorted(data.iterdir()) if not _is_other_language(p, data)]
    if language == DEFAULT_LANGUAGE:
        return shared
    return [data / language / "nlu", *(p for p in shared if p.name != "nlu")]


def training_inputs(language: str = DEFAULT_LANGUAGE, root: Path = ROOT) -> list[Path]:
    files = [root / name for name in ("config.yml", "domain.yml", _CODE)]
    if language != DEFAULT_LANGUAGE:
        own = root / "data" / language
        files = [own / "config.yml", root / "domain.yml", own / "domain.yml", root / _CODE]
    for path in training_data(language, root):
        files += _data_files(path) if path.is_dir() else [path] if path.suffix in _DATA_SUFFIXES else []
    return files


def fingerprint(root: Path = ROOT, language: str = DEFAULT_LANGUAGE) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(language, root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _prefix(language: str) -> str:
    return "model-" if language == DEFAULT_LANGUAGE else f"model-{language}-"


def model_path(root: Path = ROOT, language: str = DEFAULT_LANGUAGE) -> Path:
    return root / "models" / f"{_prefix(language)}{fingerprint(root, language)}.tar.gz"


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def language_domain(language: str, root: Path = ROOT) -> Path:
    """The domain `language`'s model trains on: domain.yml with that language's responses."""
    if language == DEFAULT_LANGUAGE:
        return root / "domain.yml"
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    own = yaml.safe_load((root / "data" / language / "domain.yml").read_text(encoding="utf-8")) or {}
    missing = sorted(set(domain["responses"]) - set(own.get("responses") or {}))
    if missing:
        raise RuntimeError(f"data/{language}/domain.yml has no response for: {', '.join(missing)}")
    domain["responses"] = own["responses"]
    domain["slots"]["language"]["initial_value"] = language
    path = VAR_DIR / "training" / f"domain-{language}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def train_command(language: str, path: Path, *, force: bool = False) -> list[str]:
    config = "config.yml" if language == DEFAULT_LANGUAGE else f"data/{language}/config.yml"
    data = [str(p.relative_to(ROOT)) for p in training_data(language)]
    command = [rasa_executable(), "train", "--config", config, "--domain", str(language_domain(language))]
    command += [
        "--data",
        *data,
        "--out",
        str(path.parent),
        "--fixed-model-name",
        path.name[: -len(".tar.gz")],
    ]
    return [*command, "--force"] if force else command


def ensure_model(*, force: bool = False, quiet: bool = False, language: str = DEFAULT_LANGUAGE) -> Path:
    """The trained model of `language` for the current data, training it first if it does not exist."""
    path = model_path(language=language)
    if path.exists() and not force:
        return path
    print(f"Training the {language} Rasa model (inputs changed) -> {path.relative_to(ROOT)}", flush=True)
    result = subprocess.run(
        train_command(language, path, force=force),
        cwd=ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        check=False,
    )
    if result.returncode != 0 or not path.exists():
        raise RuntimeError(f"rasa train failed for {language} (exit code {result.returncode})")
    for old in path.parent.glob(f"{_prefix(language)}*.tar.gz"):
        if old != path and (language != DEFAULT_LANGUAGE or old.name.count("-") == 1):
            old.unlink()
    return path


def ensure_models(languages: tuple[str, ...], *, force: bool = False, quiet: bool = False) -> dict[str, Path]:
    """Each served language's model, trained one after another (two at once would share 2 cores)."""
    return {language: ensure_model(force=force, quiet=quiet, language=language) for language in languages}
