"""Red-flag symptoms that need emergency care, recognised in any message the visitor types.

The NLU model learns a `red_flag` intent from examples, but a model can miss a wording, so this
deterministic check runs on every message too (see `bot.nlu.RedFlagDetector`), including answers
typed inside a form. Each red flag is a combination of concepts ("lost control" + "bladder"), so an
ordinary complaint ("my leg tingles", "old whiplash from 2015") never matches. A concept preceded by
a negation ("no fever") does not count.
"""

from __future__ import annotations

import re

EMERGENCY_TEXT = (
    "What you describe can be a sign of a medical emergency. Please call 911 or go to the nearest "
    "emergency department now. Don't wait for an appointment with us."
)

_NEGATIONS = {"no", "not", "without", "never", "dont", "don't", "didn't", "didnt", "isn't", "isnt", "haven't"}

_CONCEPTS: dict[str, tuple[str, ...]] = {
    "continence": (
        r"bladder",
        r"bowels?",
        r"urin\w*",
        r"pee\w*",
        r"poo\w*",
        r"stool",
        r"wet (?:my ?self|the bed)",
        r"soil(?:ed|ing) my ?self",
    ),
    "loss_of_control": (
        r"lost",
        r"los(?:e|ing)",
        r"loss",
        r"control",
        r"can'?t hold",
        r"cannot hold",
        r"leak\w*",
        r"can'?t (?:stop|feel)",
        r"accidents?",
        r"wet",
        r"soil\w*",
    ),
    "incontinence": (r"incontinen\w*", r"(?:pee\w*|pissing|poo\w*|wet|soil\w*|shit\w*) my ?self"),
    "numb": (
        r"numb\w*",
        r"no feeling",
        r"lost (?:all )?(?:the )?feeling",
        r"no sensation",
        r"can'?t feel",
        r"cannot feel",
        r"pins and needles",
        r"tingl\w*",
    ),
    "saddle": (
        r"groin",
        r"saddle",
        r"genital\w*",
        r"inner thighs?",
        r"between my legs",
        r"crotch",
        r"privates?",
        r"private parts?",
        r"perine\w*",
        r"buttocks? and (?:groin|genitals)",
    ),
    "weak_legs": (
        r"legs? (?:\w+ )?(?:are |is |feels? |getting |going )?weak\w*",
        r"weak\w* (?:in )?(?:my )?legs?",
        r"legs? (?:keeps? )?(?:giving|gives?|gave) (?:out|way)",
        r"can'?t (?:lift|move) my (?:foot|feet|legs?)",
        r"foot drop",
        r"can'?t walk",
        r"cannot walk",
        r"can'?t stand",
        r"(?:foot|leg) (?:is )?dragging",
        r"dragging my (?:foot|leg)",
    ),
    "worsening": (
        r"worse\w*",
        r"rapid\w*",
        r"quick\w*",
        r"fast",
        r"sudden\w*",
        r"by the (?:hour|minute)",
        r"more and more",
        r"anymore",
        r"any more",
        r"progressive\w*",
        r"weaker and weaker",
    ),
    "fever": (r"fever\w*", r"(?:a|high) temperature", r"temperature of", r"a temp", r"chills", r"feverish"),
    "back": (r"back", r"spine", r"spinal", r"neck", r"lumbar"),
    "trauma": (
        r"fell",
        r"fall(?:en)?",
        r"crash\w*",
        r"car accident",
        r"accident",
        r"collision",
        r"hit by",
        r"thrown",
        r"rear[- ]?ended",
        r"slipped",
        r"tripped",
        r"knocked (?:down|over)",
    ),
    "recent": (
        r"today",
        r"yesterday",
        r"just now",
        r"this (?:morning|afternoon|evening)",
        r"last night",
        r"tonight",
        r"an? hour ago",
        r"hours ago",
        r"minutes ago",
        r"earlier",
        r"just (?:got|fell|slipped|tripped|had|been|was)",
        r"recent\w*",
        r"this week",
    ),
}

# Each red flag: concepts that must all be present (any one of the alternatives per group).
RED_FLAGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "bladder or bowel control": (("continence",), ("loss_of_control",)),
    "incontinence": (("incontinence",),),
    "numbness in the groin or saddle area": (("numb",), ("saddle",)),
    "worsening weakness in the legs": (("weak_legs",), ("worsening",)),
    "fever with back pain": (("fever",), ("back",)),
    "a recent fall or accident": (("trauma",), ("recent",), ("back",)),
}

_COMPILED = {
    name: [re.compile(rf"(?<![\w']){pattern}(?![\w'])") for pattern in patterns]
    for name, patterns in _CONCEPTS.items()
}


def _normalise(text: str) -> str:
    return " ".join((text or "").lower().replace("\u2019", "'").split())


def _present(concept: str, text: str) -> bool:
    for pattern in _COMPILED[concept]:
        for match in pattern.finditer(text):
            before = re.findall(r"[\w']+", text[: match.start()])[-3:]
            if not _NEGATIONS.intersection(before):
                return True
    return False


def red_flag(text: str) -> str | None:
    """The red flag a message describes, or None."""
    normalised = _normalise(text)
    if not normalised:
        return None
    for name, groups in RED_FLAGS.items():
        if all(any(_present(concept, normalised) for concept in group) for group in groups):
            return name
    return None
