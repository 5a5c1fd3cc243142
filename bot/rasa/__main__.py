"""`python -m bot.rasa ARGS`: Rasa's own command line with the project's corrections installed.

The corrections (bot/rasa/patches.py) used to be installed by the SQL tracker store's constructor, so
a Rasa server on another tracker store (Redis, say) ran without any of them, one of which changes
what NLU runs. Every Rasa server and shell the project starts (launcher, `serve rasa`, `make shell`,
the bench, the containers through `serve rasa`) goes through here instead (its command line is
`bot.rasa.command`), whatever its stores. Training and `rasa test` stay on plain Rasa: they serve nothing.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from rasa.__main__ import main as rasa  # Rasa's CLI reads sys.argv

    from bot.rasa import patches

    patches.apply()

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa()


if __name__ == "__main__":
    main()
