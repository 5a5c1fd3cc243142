"""`python -m bot.staff` shows each request's language and filters by it (issue 17)."""

from __future__ import annotations

import csv
import io

import pytest

from bot.settings import get_settings
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from tests.staff.test_cli import add_request, run


@pytest.fixture
def uow() -> UnitOfWork:
    url = get_settings().database_url
    upgrade(url)
    return UnitOfWork(make_engine(url))


def test_list_shows_the_language_and_filters_by_it(uow: UnitOfWork) -> None:
    spanish = add_request(uow, "Ana Lopez", language="es")
    english = add_request(uow, "Ada Lovelace")
    code, out = run("list")
    assert code == 0
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()[2:-1]}
    assert rows == {spanish: "es", english: "en"}
    code, out = run("list", "--language", "es")
    assert code == 0 and spanish in out and english not in out and "1 of 1 request(s)" in out


def test_an_unknown_language_is_a_usage_error(uow: UnitOfWork, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run("list", "--language", "fr")
    assert exited.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err


def test_show_and_export_give_the_language(uow: UnitOfWork) -> None:
    spanish = add_request(uow, "Ana Lopez", language="es")
    add_request(uow, "Ada Lovelace")
    code, out = run("show", spanish)
    assert code == 0 and "Language:       es" in out
    code, out = run("export", "--language", "es")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [(row["reference"], row["language"]) for row in rows] == [(spanish, "es")]
    code, out = run("export")
    assert {row["full_name"]: row["language"] for row in csv.DictReader(io.StringIO(out))} == {
        "Ana Lopez": "es",
        "Ada Lovelace": "en",
    }
