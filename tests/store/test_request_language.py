"""A request keeps its conversation's language (issue 17), on SQLite and PostgreSQL: stored by the
service, refused outside the assistant's languages, and filtered by."""

from __future__ import annotations

import asyncio

import pytest

from bot.request_service import store_request, submit
from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.requests import InvalidRequest, NewRequest, RequestFilter, get_request, search_requests


def new(language: str = "en", name: str = "Ana López", key: str | None = None) -> NewRequest:
    return NewRequest(full_name=name, phone="+12125550199", language=language, idempotency_key=key)


def test_the_service_stores_the_language(uow: UnitOfWork) -> None:
    with uow() as session:
        spanish, _ = store_request(session, get_settings(), new("es", key="conv-es@1"))
        english, _ = store_request(session, get_settings(), NewRequest(full_name="Ada", phone="+12125550198"))
        references = spanish.reference, english.reference
    with uow() as session:
        assert [get_request(session, r).language for r in references] == ["es", "en"]  # "en" by default


def test_submit_stores_the_language(uow: UnitOfWork) -> None:
    submitted = asyncio.run(submit(uow, get_settings(), new("es", key="conv-es@2")))
    assert not submitted.spooled
    with uow() as session:
        assert get_request(session, submitted.reference).language == "es"


@pytest.mark.parametrize("language", ["fr", "ES", "es-MX", "", "spanish"])
def test_other_languages_are_refused_and_nothing_is_stored(uow: UnitOfWork, language: str) -> None:
    with pytest.raises(InvalidRequest, match="unknown language") as refused, uow() as session:
        store_request(session, get_settings(), new(language))
    assert "(one of en, es)" in str(refused.value)
    with pytest.raises(InvalidRequest, match="unknown language"):
        asyncio.run(submit(uow, get_settings(), new(language, key=f"conv-{language}@1")))
    with uow() as session:
        assert search_requests(session, RequestFilter())[1] == 0


def test_requests_are_filtered_by_language(uow: UnitOfWork) -> None:
    with uow() as session:
        store_request(session, get_settings(), new("es", "Ana López"))
        store_request(session, get_settings(), new("en", "Ada Lovelace"))
    with uow() as session:
        spanish, total = search_requests(session, RequestFilter(language="es"))
        assert ([r.full_name for r in spanish], total) == (["Ana López"], 1)
        assert [r.full_name for r in search_requests(session, RequestFilter(language="en"))[0]] == [
            "Ada Lovelace"
        ]
        assert search_requests(session, RequestFilter())[1] == 2
        with pytest.raises(InvalidRequest, match="unknown language 'fr'"):
            search_requests(session, RequestFilter(language="fr"))
