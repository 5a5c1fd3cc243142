"""The load harness: many simulated visitors, each running scripted conversations, over one HTTP client.

A level runs `concurrency` visitors: each takes the next script and sends its turns one after
another, timing each answer, and starts another conversation while the level's window lasts. A
conversation under way at the end of the window is finished, so bookings always run whole. A failed
turn ends its conversation (later turns would be meaningless).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

from bot.bench.scripts import Script
from bot.bench.stats import CHAT, REST, Level, Turn
from bot.store.codes import find_code
from bot.web.app import TOKEN_HEADER


class TurnFailed(Exception):
    """The turn got no usable answer; the message is the reason shown in the report."""


@dataclass
class Visitor:
    sender: str  # Rasa's sender id (REST) — also a label for logs
    address: str  # the X-Forwarded-For bot.web rate-limits by
    token: str | None = None  # bot.web's conversation token, once issued


class Channel(Protocol):
    path: str

    async def say(self, client: httpx.AsyncClient, visitor: Visitor, text: str) -> list[str]: ...


async def _post(client: httpx.AsyncClient, url: str, **kwargs: object) -> httpx.Response:
    try:
        response = await client.post(url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        raise TurnFailed("timeout") from None
    except httpx.TransportError as error:
        raise TurnFailed(f"connection error ({type(error).__name__})") from None
    if response.status_code == 429:
        raise TurnFailed("HTTP 429 (rate limited)")
    if response.status_code != 200:
        raise TurnFailed(f"HTTP {response.status_code}")
    return response


@dataclass(frozen=True)
class RestChannel:
    """Rasa's REST channel, reached directly (what the stock bot offers, and bot.web calls)."""

    base_url: str
    path: str = REST

    async def say(self, client: httpx.AsyncClient, visitor: Visitor, text: str) -> list[str]:
        response = await _post(
            client,
            f"{self.base_url}/webhooks/rest/webhook",
            json={"sender": visitor.sender, "message": text},
        )
        answer = response.json()
        if not isinstance(answer, list) or not answer:
            raise TurnFailed("empty answer")
        return [str(item.get("text") or "") for item in answer]


@dataclass(frozen=True)
class ChatChannel:
    """bot.web's /chat as the widget uses it: a token per conversation, one address per visitor."""

    base_url: str
    path: str = CHAT
    lang: str = "en"  # what the widget asks for when it starts a conversation

    async def say(self, client: httpx.AsyncClient, visitor: Visitor, text: str) -> list[str]:
        headers = {"X-Forwarded-For": visitor.address}
        if visitor.token:
            headers[TOKEN_HEADER] = visitor.token
        body = {"message": text, "lang": self.lang}
        response = await _post(client, f"{self.base_url}/chat", json=body, headers=headers)
        data = response.json()
        visitor.token = data.get("token") or visitor.token
        messages = data.get("messages") or []
        if not messages:
            raise TurnFailed("empty answer")
        return [str(m.get("text") or "") for m in messages]


def address_of(number: int) -> str:
    """A distinct private address per simulated visitor, which bot.web rate-limits apart."""
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


class Harness:
    """Runs levels over one shared AsyncClient; visitor numbers never repeat within a run."""

    def __init__(self, client: httpx.AsyncClient, run_id: str) -> None:
        self.client = client
        self.run_id = run_id
        self._numbers = itertools.count(1)

    def visitor(self) -> Visitor:
        number = next(self._numbers)
        return Visitor(sender=f"bench-{self.run_id}-{number}", address=address_of(number))

    async def converse(self, channel: Channel, script: Script) -> list[str]:
        """One whole conversation, untimed (warm-up); raises TurnFailed on the first failure."""
        visitor, answer = self.visitor(), []
        for text in script.turns:
            answer = await channel.say(self.client, visitor, text)
        if script.expects_code and not find_code(" ".join(answer)):
            raise TurnFailed(f"the {script.kind} conversation ended without a reference code: {answer!r}")
        return answer

    async def level(
        self, setup: str, channel: Channel, scripts: Sequence[Script], concurrency: int, seconds: float
    ) -> Level:
        turns: list[Turn] = []
        finished = [0, 0]  # conversations run to the end, of which ended wrongly
        picks = itertools.count()
        started = time.perf_counter()
        deadline = started + seconds

        async def visit() -> None:
            while time.perf_counter() < deadline:
                script = scripts[next(picks) % len(scripts)]
                visitor, answer = self.visitor(), []
                for text in script.turns:
                    began = time.perf_counter()
                    try:
                        answer = await channel.say(self.client, visitor, text)
                        failure = None
                    except TurnFailed as error:
                        failure = str(error)
                    now = time.perf_counter()
                    turns.append(Turn(script.kind, now - began, failure, now - started))
                    if failure:
                        break
                else:
                    finished[0] += 1
                    if script.expects_code and not find_code(" ".join(answer)):
                        finished[1] += 1

        await asyncio.gather(*(visit() for _ in range(concurrency)))
        return Level(
            setup=setup,
            path=channel.path,
            concurrency=concurrency,
            window_s=seconds,
            turns=tuple(turns),
            conversations=finished[0],
            failed_checks=finished[1],
        )


async def first_answer(
    client: httpx.AsyncClient, rest_url: str, text: str, timeout_s: float, alive: Callable[[], bool]
) -> float:
    """Poll Rasa's REST channel until it answers `text`; returns when it did (perf_counter)."""
    deadline = time.perf_counter() + timeout_s
    channel, visitor = RestChannel(rest_url), Visitor(sender="bench-cold-start", address="10.255.255.255")
    while time.perf_counter() < deadline:
        if not alive():
            raise RuntimeError("the server exited before it answered")
        try:
            await channel.say(client, visitor, text)
            return time.perf_counter()
        except TurnFailed:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"no answer from {rest_url} within {timeout_s:.0f} s")
