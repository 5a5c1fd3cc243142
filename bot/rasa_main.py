"""`python -m bot.rasa_main ARGS`: Rasa's own command line with the project's corrections installed.

The corrections (bot/rasa_patches.py) used to be installed by the SQL tracker store's constructor, so
a Rasa server on another tracker store (Redis, say) ran without any of them, one of which changes
what NLU runs. Every Rasa server and shell the project starts (launcher, `serve rasa`, `make shell`,
the bench, the containers through `serve rasa`) goes through here instead, whatever its stores.
Training and `rasa test` stay on plain Rasa: they serve nothing.
"""

from __future__ import annotations

import sys


def command(*args: str) -> list[str]:
    """The command line that starts Rasa with `args` ("run", "--model", …) and the corrections."""
    return [sys.executable, "-m", "bot.rasa_main", *args]


def main(argv: list[str] | None = None) -> None:
    # Imported here: the launcher builds this module's command lines without loading Rasa.
    from rasa.__main__ import main as rasa  # Rasa's CLI reads sys.argv

    from bot import rasa_patches

    rasa_patches.apply()

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa()


if __name__ == "__main__":
    main()
