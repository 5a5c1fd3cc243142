"""The two dependencies with published advisories that Rasa 3.6.21 will not let move (docs/security.md).

These tests keep that note true: they fail as soon as Rasa's own pins admit a fixed release (then run
`make lock` and bump), and they check the conditions under which the advisories do not reach us.
"""

from __future__ import annotations

import re
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from bot.settings import ROOT

# The first release of each line that fixes the advisories listed in docs/security.md.
FIXED = {"aiohttp": "3.10.11", "protobuf": "4.25.8"}


def _rasa_specifier(package: str):
    for line in requires("rasa") or []:
        wanted = Requirement(line)
        if wanted.name.lower() == package and not wanted.marker:
            return wanted.specifier
    raise AssertionError(f"rasa no longer requires {package}: re-check docs/security.md")


def _locked(package: str) -> str:
    lock = (ROOT / "requirements.lock").read_text()
    found = re.search(rf"^{package}==(\S+)$", lock, re.MULTILINE | re.IGNORECASE)
    assert found, f"{package} is not in requirements.lock"
    return found.group(1)


@pytest.mark.parametrize("package", sorted(FIXED))
def test_rasa_pins_still_forbid_the_fixed_release(package: str) -> None:
    specifier = _rasa_specifier(package)
    assert _locked(package) in specifier
    assert version(package) == _locked(package), "the venv is not installed from the lock"
    assert FIXED[package] not in specifier, (
        f"rasa now allows {package} {FIXED[package]}: run `make lock` and update docs/security.md"
    )


def test_aiohttp_parses_http_with_its_c_extension() -> None:
    """The request-smuggling advisories fixed after 3.9.5 are in aiohttp's pure-Python parser."""
    from aiohttp import _http_parser, http_parser

    assert http_parser.HttpResponseParser is _http_parser.HttpResponseParser
    assert http_parser.HttpRequestParser is _http_parser.HttpRequestParser


def test_no_aiohttp_server_in_our_code() -> None:
    """aiohttp's server-side advisories need an aiohttp.web server; ours are Starlette and Sanic."""
    users = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "actions")
        for path in Path(ROOT, folder).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+aiohttp", path.read_text(), re.MULTILINE)
    ]
    assert users == []


def test_protobuf_runs_its_upb_backend() -> None:
    """CVE-2025-4565 (unbounded recursion) is in protobuf's pure-Python backend."""
    from google.protobuf.internal import api_implementation

    assert api_implementation.Type() == "upb"
