"""make test finds a Chromium or Chrome by itself, and says what it needs when there is none."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.browser_path import MISSING, find_chromium


def test_the_named_browser_wins(tmp_path: Path) -> None:
    browser = tmp_path / "chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    assert find_chromium({"CHROMIUM_PATH": str(browser)}, which=lambda name: "/usr/bin/chromium") == browser


def test_a_named_browser_that_is_not_there_is_not_replaced_by_another(tmp_path: Path) -> None:
    assert find_chromium({"CHROMIUM_PATH": str(tmp_path / "nope")}, which=lambda name: "/x") is None


def test_chrome_on_path_is_found_when_chromium_is_not() -> None:
    on_path = {"google-chrome": "/opt/google/chrome/google-chrome"}
    assert find_chromium({}, which=on_path.get) == Path("/opt/google/chrome/google-chrome")


def test_playwrights_own_browser_is_the_last_resort(tmp_path: Path) -> None:
    bundled = tmp_path / "chrome-linux" / "chrome"
    bundled.parent.mkdir()
    bundled.write_text("")
    assert find_chromium({}, which=lambda name: None, bundled=lambda: str(bundled)) == bundled
    assert find_chromium({}, which=lambda name: None, bundled=lambda: str(tmp_path / "gone")) is None


def test_the_message_says_how_to_get_one() -> None:
    assert "apt-get install -y chromium" in MISSING and "CHROMIUM_PATH" in MISSING
