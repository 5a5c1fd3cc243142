"""The tree reads as the architecture (issue 15): pure packages stay pure, modules stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import ROOT

BOT = ROOT / "bot"
TOP_LEVEL_MODULES = {"__init__.py", "launcher.py", "settings.py", "request_service.py"}
MAX_LINES = 400


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_top_level_of_bot_holds_only_packages_and_the_four_modules() -> None:
    modules = {path.name for path in BOT.iterdir() if path.is_file()}
    assert modules == TOP_LEVEL_MODULES


@pytest.mark.parametrize("package", ["booking", "conversation"])
def test_pure_packages_import_no_settings_store_web_or_rasa(package: str) -> None:
    impure = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (BOT / package).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in ("rasa", "rasa_sdk", "sqlalchemy")
        or (name.startswith("bot.") and not name.startswith(("bot.booking", "bot.conversation")))
    }
    assert impure == set()


def test_bot_rasa_package_loads_no_rasa() -> None:
    """The launcher builds Rasa's command line from bot.rasa without loading Rasa."""
    assert not {name for name in imported_modules(BOT / "rasa" / "__init__.py") if name.startswith("rasa")}


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in ("bot", "actions")
        for path in (ROOT / folder).rglob("*.py")
        if "versions" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
