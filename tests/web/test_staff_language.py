"""Staff see each request's language (issue 17): in the list, on its page, as a filter, in the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.requests import NewRequest, create_request
from bot.web.app import create_app
from tests.web.test_staff import log_in


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    app = create_app(
        get_settings(), transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    )
    with TestClient(app, follow_redirects=False) as test_client:
        log_in(test_client)
        yield test_client


def add(uow: UnitOfWork, name: str, language: str) -> str:
    with uow() as session:
        request, _ = create_request(
            session, NewRequest(full_name=name, phone="+12125550199", language=language)
        )
        return request.reference


def test_the_list_has_a_language_column_and_filter(client: TestClient, uow: UnitOfWork) -> None:
    add(uow, "Ana López", "es")
    add(uow, "Ada Lovelace", "en")
    listing = client.get("/staff").text
    assert "<th>Language</th>" in listing and "<td>Spanish</td>" in listing and "<td>English</td>" in listing
    assert '<select name="language">' in listing and '<option value="es" >Spanish</option>' in listing
    spanish = client.get("/staff?language=es")
    assert spanish.status_code == 200
    assert "Ana López" in spanish.text and "Ada Lovelace" not in spanish.text
    assert '<option value="es" selected>Spanish</option>' in spanish.text
    english = client.get("/staff", params={"language": "en", "q": "ada"}).text
    assert "Ada Lovelace" in english and "Ana López" not in english


@pytest.mark.parametrize("value", ["fr", "ES", "<b>es</b>"])
def test_an_unknown_language_gets_the_polite_filter_error(
    client: TestClient, uow: UnitOfWork, value: str
) -> None:
    add(uow, "Ana López", "es")
    bad = client.get("/staff", params={"language": value})
    assert bad.status_code == 400 and "unknown language" in bad.text and "one of en, es" in bad.text
    assert "Ana López" not in bad.text and "<b>es</b>" not in bad.text  # shown as text, like the rest
    export = client.get("/staff/export.csv", params={"language": value})
    assert export.status_code == 400 and "unknown language" in export.text


def test_the_request_page_shows_the_language(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(uow, "Ana López", "es")
    page = client.get(f"/staff/requests/{reference}").text
    assert "<dt>Language</dt><dd>Spanish</dd>" in page


def test_the_export_has_a_language_column_and_honours_the_filter(client: TestClient, uow: UnitOfWork) -> None:
    add(uow, "Ana López", "es")
    add(uow, "Ada Lovelace", "en")
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv").text)))
    assert {row["full_name"]: row["language"] for row in rows} == {"Ana López": "es", "Ada Lovelace": "en"}
    only = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv?language=es").text)))
    assert [row["full_name"] for row in only] == ["Ana López"]
