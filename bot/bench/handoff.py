"""A staff reply's delivery time to the widget: from the reply stored (as the inbox stores it) to the
visitor's `/chat/events` long poll returning it, through the real bot.web of our stack."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime, timezone

import httpx

from bot.store.db import UnitOfWork, make_engine
from bot.store.handoffs import add_message, get_handoff, open_handoff, take
from bot.web.tokens import TOKEN_HEADER

ROUNDS = 15
SETTLE_S = 0.3  # the poll is waiting before the reply is stored
VISITOR = "10.250.0.1"


async def _reply_delay(
    client: httpx.AsyncClient, web: str, uow: UnitOfWork, token: str, handoff_id: int
) -> float:
    headers = {TOKEN_HEADER: token, "X-Forwarded-For": VISITOR}
    with uow() as session:
        handoff = get_handoff(session, handoff_id)
        assert handoff is not None
        after = max((m.id for m in handoff.messages), default=0)
    query = f"after={after}&state=held&position=0&typing=0"
    poll = asyncio.create_task(client.get(f"{web}/chat/events?{query}", headers=headers, timeout=40))
    await asyncio.sleep(SETTLE_S)
    started = time.perf_counter()
    await asyncio.to_thread(_store_reply, uow, handoff_id)
    answer = await poll
    answer.raise_for_status()
    if not any(m.get("from") == "staff" for m in answer.json().get("messages", [])):
        raise RuntimeError(f"the poll returned without the reply: {answer.text[:200]}")
    return time.perf_counter() - started


def _store_reply(uow: UnitOfWork, handoff_id: int) -> None:
    with uow() as session:
        handoff = get_handoff(session, handoff_id)
        assert handoff is not None
        add_message(session, handoff, "staff", "Hello, how can I help?", datetime.now(timezone.utc), "bench")


async def staff_reply_delivery(client: httpx.AsyncClient, web: str, database_url: str) -> str:
    """One line for the report: the median and worst delivery time over ROUNDS replies."""
    answer = await client.post(f"{web}/chat", json={"message": "hello"}, headers={"X-Forwarded-For": VISITOR})
    token = answer.json()["token"]
    conversation = token.split(".")[0]
    engine = make_engine(database_url)
    try:
        uow = UnitOfWork(engine)
        with uow() as session:
            now = datetime.now(timezone.utc)
            handoff_id = open_handoff(session, conversation, "web", [], now).id
            take(session, handoff_id, "bench", now)
        delays = [await _reply_delay(client, web, uow, token, handoff_id) for _ in range(ROUNDS)]
    finally:
        engine.dispose()
    return (
        f"Staff reply delivered to the widget (stored by the inbox, returned by the visitor's `/chat/events` "
        f"long poll, which reads the database about once a second): median "
        f"{statistics.median(delays) * 1000:.0f} ms, worst {max(delays) * 1000:.0f} ms over {ROUNDS} replies."
    )
