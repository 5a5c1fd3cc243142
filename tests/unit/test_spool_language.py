"""The spool keeps a request's language (issue 17); files written before it existed read back English."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.request_service import drain
from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest
from bot.store.spool import Spool, decode, encode
from tests.unit.test_spool import spooled


def test_the_language_round_trips(tmp_path: Path) -> None:
    entry = spooled(language="es")
    assert json.loads(encode(entry))["request"]["language"] == "es"
    assert decode(encode(entry)) == entry


def test_a_file_from_before_the_language_reads_back_english() -> None:
    document = json.loads(encode(spooled()))
    del document["request"]["language"]
    assert decode(json.dumps(document).encode()).request.language == "en"


def test_the_drain_stores_the_language(tmp_path: Path, sqlite_uow: UnitOfWork) -> None:
    spool = Spool(tmp_path / "outbox" / "requests")
    spool.put(spooled("PRL-7KQ3MX", language="es"))
    assert drain(spool, sqlite_uow, get_settings()).stored == 1
    with sqlite_uow() as session:
        assert session.execute(select(AppointmentRequest.language)).scalar_one() == "es"


def test_a_spooled_request_in_an_unknown_language_is_refused_and_kept(
    tmp_path: Path, sqlite_uow: UnitOfWork
) -> None:
    spool = Spool(tmp_path / "outbox" / "requests")
    spool.put(spooled("PRL-7KQ3MX", language="fr"))
    result = drain(spool, sqlite_uow, get_settings())
    assert (result.stored, result.left) == (0, 1) and len(list(spool.entries())) == 1
