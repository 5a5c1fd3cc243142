"""Does a message ask the assistant to decide for the visitor ("just tell me what you'd do")?

The model reads "should I do prolotherapy or surgery?" as the article's general comparison, which is
right for the comparison and wrong for a request to choose: a visitor who asks the bot what *it* would
do, or to pick for them, gets the medical-advice decline and a physician, never the comparison as if
it were a recommendation. "Is it right for me?" stays the article's answer on who it suits.
"""

from __future__ import annotations

import re
import unicodedata

_ASKS_TO_DECIDE = re.compile(
    r"\b(?:"
    r"what (?:would|will|should) you do"
    r"|what (?:you'?d|you would) do"
    r"|if you were me"
    r"|in my (?:place|shoes|position)"
    r"|(?:just )?tell me (?:what|which(?: one)?) (?:to|i should) (?:do|choose|pick|get)"
    r"|(?:just )?(?:decide|choose|pick) for me"
    r"|which (?:one )?(?:would|do) you (?:recommend|choose|pick|go for|suggest) for me"
    r"|what do you (?:recommend|suggest) (?:for me|i do)"
    r")\b"
)


# The same in Spanish, matched without accents: "¿usted qué haría?", "dígame si debo operarme".
_ASKS_TO_DECIDE_ES = re.compile(
    r"\b(?:"
    r"(?:usted )?que haria(?: usted)?(?: en mi lugar| en mi caso| si fuera yo)?"
    r"|si (?:usted )?fuera yo|si (?:yo )?fuera usted|(?:en mi lugar|en mis zapatos)"
    r"|(?:solo )?(?:digame|dime|diganme) (?:si (?:debo|deberia|me conviene|tengo que)"
    r"|que (?:debo |tengo que )?(?:hacer|elegir|escoger)|cual (?:elegir|escoger|me conviene))"
    r"|(?:decida|elija|escoja|decidan) (?:usted )?por mi"
    r"|(?:que|cual) me (?:recomienda|aconseja|sugiere|conviene)(?: mas)?(?: a mi)?"
    r"|me conviene(?: mas)? a mi|a mi me conviene|usted me (?:recomienda|aconseja)"
    r"|(?:debo|deberia|me conviene) operarme"
    r")\b"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def asks_for_personal_advice(text: str, language: str = "en") -> bool:
    if language == "es":
        return bool(_ASKS_TO_DECIDE_ES.search(re.sub(r"[¿¡?!,.]", " ", _fold(text)).replace("  ", " ")))
    return bool(_ASKS_TO_DECIDE.search(" ".join((text or "").lower().replace("\u2019", "'").split())))
