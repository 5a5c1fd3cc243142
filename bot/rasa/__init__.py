"""Rasa extensions that run inside Rasa processes: NLU components, the tracker store, the project's
corrections to Rasa 3.6, the action server, and `python -m bot.rasa` (Rasa's CLI with the corrections).

Kept free of imports: the launcher builds Rasa's command line from here without loading Rasa.
"""

from __future__ import annotations

import sys


def command(*args: str) -> list[str]:
    """The command line that starts Rasa with `args` ("run", "--model", …) and the corrections."""
    return [sys.executable, "-m", "bot.rasa", *args]
