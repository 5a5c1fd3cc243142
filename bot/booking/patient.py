"""Who the appointment is for, when it is not the visitor: "the appointment is for my mother Rosa".

The practice calls the person who asked, but sees the patient: staff need both. Only a relation
named after "for my" / "on behalf of my" counts ("booking for my dad", "it's for my son"), so "I hurt
my back lifting my son" is no booking for the son. A name is taken when one follows the relation
("for my wife, Ana Lopez"); anything that reads as the rest of a sentence ("for my dad next
Tuesday", "for my son who has sciatica") is not a name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.booking.contact import clean_name, implausible_name
from bot.booking.spanish import fold

# What visitors call them -> what staff read. Longer words first, so "grandmother" is not "mother".
RELATIONS = {
    **{word: "mother-in-law" for word in ("mother-in-law", "mother in law")},
    **{word: "father-in-law" for word in ("father-in-law", "father in law")},
    **{word: "grandmother" for word in ("grandmother", "grandma", "granny", "gran", "nana", "nan")},
    **{word: "grandfather" for word in ("grandfather", "grandpa", "granddad", "grandad")},
    **{word: "mother" for word in ("mother", "mom", "mum", "mommy", "mummy", "mama", "momma", "ma")},
    **{word: "father" for word in ("father", "dad", "daddy", "papa", "pa")},
    **{word: "child" for word in ("child", "kid")},
    **{word: "partner" for word in ("partner", "spouse")},
    **{word: "stepmother" for word in ("stepmother", "stepmom", "stepmum")},
    **{word: "stepfather" for word in ("stepfather", "stepdad")},
    **{word: "neighbour" for word in ("neighbour", "neighbor")},
    **{
        word: word
        for word in (
            *("son", "daughter", "wife", "husband", "brother", "sister", "friend", "boyfriend"),
            *("girlfriend", "fiance", "fiancee", "grandson", "granddaughter", "aunt", "uncle", "niece"),
            *("nephew", "cousin", "stepson", "stepdaughter", "colleague"),
        )
    },
}
RELATION_WORDS = "|".join(sorted((re.escape(w) for w in RELATIONS), key=len, reverse=True))
_ADJECTIVES = r"(?:(?:little|older|younger|elderly|elder|big|baby|teenage|old|eldest|youngest|best)\s+)*"
_FOR = re.compile(
    rf"\b(?:for|on behalf of)\s+(?:my|our)\s+{_ADJECTIVES}(?P<relation>{RELATION_WORDS})"
    r"(?P<possessive>'s|’s)?\b",
    re.I,
)
# Between the relation and the name: "for my wife, Ana Lopez", "my mother - Rosa", "my son named Leo".
_LEAD_IN = re.compile(r"^(?:\s*[,:\-–—(]\s*|\s+)(?:(?:whose name is|who is called|named|called)\s+)?", re.I)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# Words that carry on the sentence rather than name someone.
_NOT_NAME = frozenset(
    {
        *("and", "or", "but", "so", "who", "which", "that", "she", "he", "they", "her", "his", "their", "is"),
        *("has", "have", "had", "was", "needs", "need", "wants", "would", "will", "can", "could", "please"),
        *("because", "since", "as", "with", "without", "at", "on", "in", "to", "from", "for", "of", "by"),
        *("next", "this", "tomorrow", "today", "monday", "tuesday", "wednesday", "thursday", "friday"),
        *("saturday", "sunday", "morning", "afternoon", "evening", "asap", "thanks", "thank", "not", "me"),
        *("sciatica", "whiplash", "back", "neck", "pain", "disc", "discs", "hip", "leg", "knee", "the"),
        *("a", "an", "too", "also", "again", "here", "there", "now", "soon", "if", "possible", "it"),
        *("hurt", "hurts", "suffers", "suffering", "keeps", "got", "gets", "been", "appointment", "visit"),
        *("booking", "book", "request", "i", "i'm", "im", "we", "our", "my", "not", "yes", "no", "ok"),
    }
)
MAX_NAME_WORDS = 4
# The answer to "What is your mother's full name?": "her name is Rosa Lopez", "she's Rosa".
_PATIENT_NAME_LEAD = re.compile(
    r"^(?:(?:her|his|their|the patient'?s)\s+(?:full\s+)?name\s+is|(?:she|he)(?:'s|\s+is)|name:|it'?s)\s+",
    re.I,
)
_FOR_ME = re.compile(r"^(?:(?:it'?s|it is|the appointment is)\s+)?(?:for\s+)?(?:me|myself)[.!]?$", re.I)
# What may surround "for my mother Rosa" in a message that says nothing else.
_FILLER = frozenset(
    {
        *("it's", "its", "it", "is", "this", "that", "the", "appointment", "booking", "request", "visit"),
        *("oh", "sorry", "actually", "btw", "also", "just", "so", "and", "by", "way", "well", "wait"),
        *("i'm", "im", "i", "am", "we're", "making", "make", "want", "wanted", "to", "book", "asking"),
        *("writing", "calling", "really", "not", "me", "a", "an", "of", "course", "forgot", "say", "said"),
        *("no", "nope", "yes", "yeah"),  # "no, it's for my son" corrects who it is for
    }
)


# Spanish words (compared without accents) -> the same relations staff read.
RELATIONS_ES = {
    **{word: "mother" for word in ("madre", "mama", "mami", "mamita", "jefa")},
    **{word: "father" for word in ("padre", "papa", "papi", "papito")},
    **{word: "son" for word in ("hijo", "hijito", "nene")},
    **{word: "daughter" for word in ("hija", "hijita", "nena")},
    **{word: "wife" for word in ("esposa", "mujer", "senora", "señora")},
    **{word: "husband" for word in ("esposo", "marido", "senor", "señor")},
    **{word: "grandmother" for word in ("abuela", "abuelita")},
    **{word: "grandfather" for word in ("abuelo", "abuelito")},
    **{word: "friend" for word in ("amigo", "amiga")},
    **{word: "cousin" for word in ("primo", "prima")},
    **{word: "neighbour" for word in ("vecino", "vecina")},
    **{word: "child" for word in ("nino", "nina", "niño", "niña", "bebe")},
    **{word: "colleague" for word in ("colega", "compañero de trabajo", "compañera de trabajo")},
    **{"hermano": "brother", "hermana": "sister", "suegra": "mother-in-law", "suegro": "father-in-law"},
    **{"novio": "boyfriend", "novia": "girlfriend", "prometido": "fiance", "prometida": "fiancee"},
    **{"pareja": "partner", "nieto": "grandson", "nieta": "granddaughter", "tia": "aunt", "tio": "uncle"},
    **{"sobrina": "niece", "sobrino": "nephew", "madrastra": "stepmother", "padrastro": "stepfather"},
    **{"hijastro": "stepson", "hijastra": "stepdaughter"},
}
# How the read-back names them to the visitor in Spanish: "Rosa (su madre)".
RELATION_NAMES_ES = {
    **{"mother": "madre", "father": "padre", "son": "hijo", "daughter": "hija", "wife": "esposa"},
    **{"husband": "esposo", "grandmother": "abuela", "grandfather": "abuelo", "friend": "amigo o amiga"},
    **{
        "cousin": "primo o prima",
        "neighbour": "vecino o vecina",
        "child": "niño o niña",
        "brother": "hermano",
    },
    **{"sister": "hermana", "mother-in-law": "suegra", "father-in-law": "suegro", "boyfriend": "novio"},
    **{"girlfriend": "novia", "fiance": "prometido", "fiancee": "prometida", "partner": "pareja"},
    **{"grandson": "nieto", "granddaughter": "nieta", "aunt": "tía", "uncle": "tío", "niece": "sobrina"},
    **{"nephew": "sobrino", "stepmother": "madrastra", "stepfather": "padrastro", "stepson": "hijastro"},
    **{"stepdaughter": "hijastra", "colleague": "colega"},
}
_RELATION_WORDS_ES = "|".join(sorted((re.escape(w) for w in RELATIONS_ES), key=len, reverse=True))
_FOR_ES = re.compile(
    rf"\b(?:para|de parte de|a nombre de)\s+(?:mi|mis|nuestro|nuestra)\s+(?P<relation>{_RELATION_WORDS_ES})"
    r"(?:\s+(?:menor|mayor|pequeño|pequeña|chiquito|chiquita|mas chico|mas chica))?\b"
)
_LEAD_IN_ES = re.compile(
    r"^(?:\s*[,:\-–—(]\s*|\s+)(?:(?:que se llama|quien se llama|llamado|llamada|de nombre|se llama)\s+)?"
)
_NOT_NAME_ES = frozenset(
    {
        *("y", "o", "pero", "que", "quien", "ella", "el", "tiene", "tuvo", "necesita", "quiere", "porque"),
        *("con", "sin", "la", "los", "las", "para", "de", "del", "en", "por", "a", "al", "manana", "hoy"),
        *("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "proximo", "esta"),
        *("es", "esta", "le", "se", "lo", "su", "sus", "mi", "no", "si", "ya", "muy", "cita", "consulta"),
        *("ciatica", "dolor", "espalda", "cuello", "latigazo", "le duele", "sufre", "porfa", "favor"),
        *("gracias", "tambien", "semana", "tarde", "pronto", "posible", "cuanto", "antes", "quisiera"),
    }
)
_PATIENT_NAME_LEAD_ES = re.compile(
    r"^(?:(?:su|el)\s+nombre(?:\s+completo)?\s+es|se llama|ella es|el es|es|nombre:)\s+", re.I
)
_FOR_ME_ES = re.compile(r"^(?:(?:es|la cita es)\s+)?(?:para\s+)?(?:mi|mi misma|mi mismo|yo|soy yo)[.!]?$")
_FILLER_ES = frozenset(
    {
        *("es", "la", "el", "cita", "consulta", "solicitud", "para", "no", "si", "perdon", "disculpe"),
        *("en", "realidad", "de", "hecho", "quiero", "queria", "quisiera", "pedir", "una", "un", "lo"),
        *("estoy", "pidiendo", "reservando", "sacar", "hacer", "ah", "oh", "bueno", "pues", "y", "ademas"),
        *("olvide", "decir", "decirle", "que", "esto", "eso", "seria", "sera", "mire", "oiga", "tambien"),
    }
)


@dataclass(frozen=True)
class Patient:
    """The relation to the visitor ("mother") and, if given, the patient's name."""

    relation: str
    name: str | None = None


def _name_span(rest: str, language: str = "en") -> tuple[str | None, int]:
    """The name that starts `rest`, and where it ends (0 when there is none)."""
    lead = (_LEAD_IN_ES if language == "es" else _LEAD_IN).match(rest)
    if not lead:
        return None, 0  # "for my mother. She has …": no name follows
    position, words = lead.end(), []
    for match in _NAME_WORD.finditer(rest, position):
        word = match.group(0).rstrip(".")
        if rest[position : match.start()].strip() or len(words) == MAX_NAME_WORDS:
            break  # punctuation ends the name: "Rosa, she has sciatica"
        if word.lower() in _NOT_NAME or (language == "es" and fold(word) in _NOT_NAME_ES):
            break
        words.append(word)
        position = match.end()
    name = clean_name(" ".join(words), language) if words else None
    return (None, 0) if name is None or implausible_name(name, language) else (name, position)


def _plain(text: str) -> str:
    return " ".join((text or "").replace("\u2019", "'").split())


def _found(plain: str, language: str) -> re.Match[str] | None:
    """Where "for my mother" is said. Spanish is searched without accents ("mamá" -> "mama"); the
    folded text keeps every character's place (`plain` is NFC), so the name is cut from the text as typed."""
    if language == "es":
        folded = fold(plain)
        return _FOR_ES.search(folded) if len(folded) == len(plain) else None
    return _FOR.search(plain)


def read_patient(text: str, language: str = "en") -> Patient | None:
    """Who the visitor says the appointment is for, or None when it is (as far as we can tell) for them."""
    plain = _plain(text) if language != "es" else unicodedata.normalize("NFC", _plain(text))
    if not plain or plain.startswith("/") or len(plain) > 500:
        return None
    if language == "es":
        found = _found(plain, language)
        if found is None:
            return None
        return Patient(RELATIONS_ES[found.group("relation")], _name_span(plain[found.end() :], language)[0])
    found = _FOR.search(plain)
    if found is None:
        return None
    relation = RELATIONS[found.group("relation").lower()]
    if found.group("possessive"):  # "for my dad's sciatica": for the dad, his name not given here
        return Patient(relation)
    return Patient(relation, _name_span(plain[found.end() :])[0])


def says_only_patient(text: str, language: str = "en") -> bool:
    """True when the message says who the appointment is for and nothing else ("oh, it's for my mom
    Rosa"), so it answers no other question the form has open."""
    plain = _plain(text) if language != "es" else unicodedata.normalize("NFC", _plain(text))
    found = _found(plain, language) if read_patient(plain, language) else None
    if found is None:
        return False
    _, end = _name_span(plain[found.end() :], language)
    rest = f"{plain[: found.start()]} {plain[found.end() + end :]}"
    if language == "es":
        return all(word in _FILLER_ES for word in re.findall(r"[\w'@]+", fold(rest)))
    return all(word in _FILLER for word in re.findall(r"[\w'@]+", rest.lower()))


def for_visitor(patient_name: str | None, relation: str | None, language: str = "en") -> str | None:
    """The patient as the read-back names them: "Rosa (your mother)", "Rosa (su madre)"."""
    if not relation:
        return patient_name
    if language == "es":
        spanish = RELATION_NAMES_ES.get(relation, relation)
        return f"{patient_name} (su {spanish})" if patient_name else f"su {spanish}"
    return f"{patient_name} (your {relation})" if patient_name else f"your {relation}"


def patient_label(patient_name: str | None, relation: str | None) -> str | None:
    """The patient as staff read them: "Rosa (mother)", or "their mother" before the name is known."""
    if patient_name:
        return f"{patient_name} ({relation})" if relation else patient_name
    return f"their {relation}" if relation else None


def for_staff(patient_name: str | None, relation: str | None, full_name: str) -> str | None:
    """The person staff call about, and who asked: "Patient: Rosa (mother) — requested by Ana Lopez"."""
    label = patient_label(patient_name, relation)
    return f"Patient: {label} — requested by {full_name}" if label else None


def means_the_visitor(answer: str, language: str = "en") -> bool:
    """ "it's for me" ("es para mí"), typed where the patient's name was asked."""
    if language == "es":
        return bool(_FOR_ME_ES.match(fold(_plain(answer))))
    return bool(_FOR_ME.match(_plain(answer)))


def patient_name_in(answer: str, language: str = "en") -> str | None:
    """The name in an answer to the patient-name question, checked like the visitor's own name."""
    text = _plain(answer)
    if implausible_name(text, language):
        return None
    lead = _PATIENT_NAME_LEAD_ES if language == "es" else _PATIENT_NAME_LEAD
    return clean_name(lead.sub("", text), language)
