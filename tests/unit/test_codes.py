"""Reference codes: random, readable aloud, and found in whatever the visitor types."""

from __future__ import annotations

import itertools
import re

import pytest

from bot.store.codes import ALPHABET, LENGTH, PREFIX, find_code, new_code


def test_alphabet_has_no_confusable_characters() -> None:
    assert not set(ALPHABET) & set("0O1IL5S2Z")
    assert len(set(ALPHABET)) == len(ALPHABET)


def test_new_code_format() -> None:
    for _ in range(200):
        code = new_code()
        assert code.startswith(PREFIX) and PREFIX == "PRL-"
        body = code[len(PREFIX) :]
        assert len(body) == LENGTH == 6
        assert set(body) <= set(ALPHABET)
        assert re.fullmatch(r"PRL-[346789ABCDEFGHJKMNPQRTUVWXY]{6}", code)


def test_new_codes_are_distinct_and_not_sequential() -> None:
    codes = [new_code() for _ in range(2000)]
    # Random codes can repeat (about 1 run in 200 sees one pair here); the store draws again on a clash.
    assert len(codes) - len(set(codes)) <= 2
    # Sequential codes would mostly share their first five characters with the previous one.
    shared_stems = sum(a[:-1] == b[:-1] for a, b in itertools.pairwise(codes))
    assert shared_stems < 10
    # Every alphabet character turns up in every position of a random sample this size.
    for position in range(len(PREFIX), len(PREFIX) + LENGTH):
        assert {code[position] for code in codes} == set(ALPHABET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PRL-7KQ3MX", "PRL-7KQ3MX"),
        ("my reference is PRL-7KQ3MX, thanks", "PRL-7KQ3MX"),
        ("it was (PRL-7KQ3MX).", "PRL-7KQ3MX"),
        ("prl 7kq3mx", "PRL-7KQ3MX"),
        ("prl7kq3mx", "PRL-7KQ3MX"),
        ("Prl-7kQ3mX", "PRL-7KQ3MX"),
        ("PRL-7KQ3MX and PRL-ABCDEF", "PRL-7KQ3MX"),
    ],
)
def test_find_code(text: str, expected: str) -> None:
    assert find_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PRL-12",
        "PRL-7KQ3M",  # too short
        "PRL-7KQ3MXA",  # too long
        "PRL-7KQ3M0",  # 0 is not in the alphabet
        "XPRL-7KQ3MX",
        "I want to book an appointment",
        "",
    ],
)
def test_find_code_returns_none_without_a_code(text: str) -> None:
    assert find_code(text) is None
