"""Reference codes a visitor can read aloud over the phone: `PRL-` and six unambiguous characters."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 5/S or 2/Z pairs: codes survive being read aloud or written down by hand.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
LENGTH = 6
PREFIX = "PRL-"
_PATTERN = re.compile(rf"\bPRL[\s-]?([{ALPHABET}]{{{LENGTH}}})\b", re.IGNORECASE)


def new_code() -> str:
    """A random code (27^6 ≈ 387 million of them), so codes are neither sequential nor guessable."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def find_code(text: str) -> str | None:
    """The first reference code in free text, normalised ("prl 7kq3mx" -> "PRL-7KQ3MX")."""
    match = _PATTERN.search(text or "")
    return PREFIX + match.group(1).upper() if match else None
