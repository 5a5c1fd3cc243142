"""Which Chromium or Chrome the browser tests drive: the one named, else one installed on the machine.

Playwright cannot download its own browser here, so `make test` looks for one: CHROMIUM_PATH, then
the usual names on PATH (Debian's chromium, Chrome), then a browser Playwright installed earlier.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MISSING = (
    "No Chromium or Chrome found for the browser tests. Install one (Debian/Ubuntu: "
    "`apt-get install -y chromium`; macOS: `brew install --cask chromium`), or set CHROMIUM_PATH to "
    "the browser's executable. .ci/run installs Debian's Chromium itself."
)


def find_chromium(
    env: dict[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    bundled: Callable[[], str | None] | None = None,
) -> Path | None:
    env = os.environ if env is None else env
    if named := env.get("CHROMIUM_PATH"):
        path = Path(named)
        return path if path.is_file() and os.access(path, os.X_OK) else None
    for name in NAMES:
        if found := which(name):
            return Path(found)
    if bundled is not None and (path := bundled()) and Path(path).is_file():
        return Path(path)
    return None
