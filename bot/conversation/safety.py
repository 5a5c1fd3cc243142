"""Red-flag symptoms that need emergency care, recognised in any message the visitor types.

The NLU model learns a `red_flag` intent from examples, but a model can miss a wording, so this
deterministic check runs on every message too (see `bot.rasa.nlu.RedFlagDetector`), including answers
typed inside a form. Each red flag is a combination of concepts ("lost control" + "bladder"), so an
ordinary complaint ("my leg tingles", "old whiplash from 2015") never matches. A concept preceded by
a negation ("no fever", "sin fiebre") does not count. Spanish wordings sit beside the English ones
in each concept (accents are ignored), so a Spanish-speaking visitor's emergency is caught on every
channel; `emergency_text` answers in Spanish in a Spanish conversation or to a message in Spanish.
"""

from __future__ import annotations

import re
import unicodedata

from bot.conversation.language import looks_spanish
from bot.conversation.wording import normal_language

EMERGENCY_TEXT = (
    "What you describe can be a sign of a medical emergency. Please call 911 or go to the nearest "
    "emergency department now. Don't wait for an appointment with us."
)
EMERGENCY_TEXT_ES = (
    "Lo que describe puede ser señal de una emergencia médica. Llame al 911 o vaya ahora mismo a la "
    "sala de emergencias más cercana. No espere a una cita con nosotros."
)

_NEGATIONS = {
    *("no", "not", "without", "never", "dont", "don't", "didn't", "didnt", "isn't", "isnt", "haven't"),
    *("sin", "nunca", "ni", "tampoco"),
}

_CONCEPTS: dict[str, tuple[str, ...]] = {
    # Not a spine red flag, but an emergency any assistant of a practice must answer with 911.
    "chest_or_breath": (
        r"chest (?:pain|pains|hurts?|pressure|tightness)",
        r"(?:pain|pressure|tightness)(?: \w+){0,3} in (?:my|the) chest",
        r"pains? in (?:my|the) chest",
        r"my chest (?:hurts|is tight|feels tight)",
        r"(?:can'?t|cannot|can not) (?:breathe|catch my breath)",
        r"(?:trouble|difficulty|struggling) breathing",
        r"short(?:ness)? of breath",
    ),
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
    "cannot_move_legs": (
        r"can'?t (?:lift|move|feel) my (?:foot|feet|legs?)",
        r"cannot (?:lift|move|feel) my (?:foot|feet|legs?)",
        r"can'?t (?:walk|stand)",
        r"cannot (?:walk|stand)",
        r"paraly[sz]\w*",
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

# The same concepts in Spanish, written without accents (the text is matched with its accents removed).
_CONCEPTS_ES: dict[str, tuple[str, ...]] = {
    "chest_or_breath": (
        r"dolor(?: \w+){0,3} (?:en el|del|de) pecho",
        r"me duele (?:el|mucho el) pecho",
        r"(?:presion|opresion) en el pecho",
        r"no puedo respirar",
        r"me falta (?:el aire|la respiracion)",
        r"falta de aire",
        r"(?:dificultad|problemas?) para respirar",
        r"me ahogo",
    ),
    "continence": (
        r"vejiga",
        r"intestinos?",
        r"orin\w*",
        r"pis",
        r"pipi",
        r"caca",
        r"heces",
        r"esfinter\w*",
    ),
    "loss_of_control": (
        r"no puedo (?:controlar|aguantar|retener)",
        r"no (?:controlo|aguanto|retengo)",
        r"perd\w*",
        r"control\w*",
        r"se me escapa\w*",
        r"escap\w*",
        r"accidentes?",
    ),
    "incontinence": (
        r"incontinencia",
        r"me (?:hago|hice|he hecho|estoy haciendo) (?:pis|pipi|caca)(?: encima)?",
        r"me (?:orino|orine|he orinado|estoy orinando)(?: encima)?",
        r"me (?:mojo|moje|he mojado)(?: encima)?",
    ),
    "numb": (
        r"entumecid\w*",
        r"entumid\w*",
        r"adormecid\w*",
        r"dormid[ao]s?",
        r"(?:durm|duerm|adormec|adormez|entumec|entumez)\w*",
        r"no (?:siento|tengo sensibilidad)",
        r"sin sensibilidad",
        r"perd\w* (?:la |toda la )?sensibilidad",
        r"hormigu\w*",
        r"insensibl\w*",
    ),
    "saddle": (
        r"ingle",
        r"(?:las|mis|ambas) ingles",
        r"genital\w*",
        r"entrepierna",
        r"zona intima",
        r"partes intimas",
        r"entre las piernas",
        r"(?:cara|parte) interna de (?:los|mis) muslos",
        r"perine\w*",
        r"silla de montar",
        r"nalgas y (?:la )?(?:ingle|genitales)",
    ),
    "cannot_move_legs": (
        r"no puedo (?:mover|levantar|sentir) (?:las |la |los |el |mis |mi )?(?:piernas?|pies?)",
        r"no puedo (?:caminar|andar|ponerme de pie|estar de pie|pararme)",
        r"paralizad[ao]s?",
        r"paralisis",
    ),
    "weak_legs": (
        r"piernas?(?: \w+){0,4} debil\w*",
        r"debilidad en (?:las |la |mis |mi )?piernas?",
        r"se me (?:doblan|doblo|van) las piernas",
        r"pie caido",
        r"arrastr\w* (?:el |la |mi )?(?:pie|pierna)",
        r"no puedo (?:mover|levantar) (?:las |la |los |el |mis |mi )?(?:piernas?|pies?)",
        r"no puedo (?:caminar|andar|ponerme de pie|estar de pie|pararme)",
    ),
    "worsening": (
        r"peor\w*",
        r"empeor\w*",
        r"rapid\w*",
        r"de repente",
        r"repentin\w*",
        r"de golpe",
        r"subit\w*",
        r"cada vez (?:mas|peor)",
        r"por horas",
    ),
    "fever": (r"fiebre", r"calentura", r"temperatura (?:alta|de)", r"escalofrios", r"febril"),
    "back": (r"espalda", r"columna", r"lumbar\w*", r"cuello", r"rinones", r"lumbago"),
    "trauma": (
        r"me ca(?:i|igo|ido)",
        r"caida",
        r"me he caido",
        r"accidente",
        r"choque",
        r"choc\w*",
        r"atropell\w*",
        r"resbal\w*",
        r"tropec\w*",
        r"me (?:golpe\w*|di un golpe)",
    ),
    "recent": (
        r"hoy",
        r"ayer",
        r"ahora(?: mismo)?",
        r"esta (?:manana|tarde|noche)",
        r"anoche",
        r"hace (?:una|un par de|unas?|dos|tres|pocas) horas?",
        r"hace un rato",
        r"hace (?:unos |pocos )?minutos",
        r"recien\w*",
        r"esta semana",
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
    "legs that cannot move after a fall or accident": (("trauma",), ("cannot_move_legs",)),
    "chest pain or trouble breathing": (("chest_or_breath",),),
}

_COMPILED = {
    name: [
        re.compile(rf"(?<![\w']){pattern}(?![\w'])")
        for pattern in (*_CONCEPTS.get(name, ()), *_CONCEPTS_ES.get(name, ()))
    ]
    for name in {**_CONCEPTS, **_CONCEPTS_ES}
}


def _normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, no accents ("caí" is "cai"), single spaces."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


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


def emergency_text(text: str, language: str = "en") -> str:
    """The emergency reply in Spanish when the conversation is Spanish or the visitor wrote Spanish: in
    an emergency the words must be understood, whatever language the conversation started in."""
    spanish = normal_language(language) == "es" or looks_spanish(text)
    return EMERGENCY_TEXT_ES if spanish else EMERGENCY_TEXT
