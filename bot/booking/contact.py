"""Names, phone numbers and e-mail addresses as visitors type them.

The checks that read words (names, yes and no, declines, stop requests, questions) take the
conversation's `language`; Spanish words are compared without accents, as phones often drop them.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.booking.spanish import fold

MAX_NAME_LENGTH = 120
_STOP_WORDS = {"stop", "quit", "cancel", "exit", "nevermind", "abort"}
_STOP_PHRASES = (
    "never mind",
    "forget it",
    "forget about it",
    "i changed my mind",
    "not now",
    "no thanks",
    "no thank you",
    "leave it",
    "don't want",
    "dont want",
    "do not want",
)


def _plain(text: str | None) -> str:
    """Lower case with typographic apostrophes made plain, as phones type "don’t"."""
    return (text or "").lower().replace("\u2019", "'")


# Words that make no name on their own: "yes", "sure ok", "hi there", "i don't know" are answers.
_NOT_NAME_WORDS = frozenset(
    {
        *("yes", "yeah", "yep", "yup", "ya", "y", "sure", "ok", "okay", "k", "fine", "correct", "right"),
        *("alright", "of", "course", "please", "sounds", "good", "go", "ahead", "si", "sí", "absolutely"),
        *("no", "nope", "nah", "n", "not", "really", "way", "none", "nothing", "skip", "n/a", "na"),
        *("hi", "hello", "hey", "hiya", "howdy", "there", "morning", "afternoon", "evening", "hola"),
        *("thanks", "thank", "you", "idk", "i", "don't", "dont", "know", "dunno", "huh", "um", "uh"),
        *("me", "myself", "anonymous", "test", "name", "my", "full", "bot"),
        *("so", "much", "very", "a", "lot", "thing", "cool", "great", "perfect", "definitely", "certainly"),
    }
)
# Only wh-words: "Can Yilmaz" and "Will Smith" are names, though looks_like_question() would ask.
_QUESTION_START = re.compile(r"^(?:what|how|why|when|where|which|who)\b")
# The same in Spanish, compared without accents ("sí", "buenas tardes", "no sé", "¿para qué?").
_NOT_NAME_WORDS_ES = frozenset(
    {
        *("si", "claro", "vale", "bueno", "ok", "okay", "de", "acuerdo", "por", "supuesto", "dale", "listo"),
        *("perfecto", "correcto", "exacto", "esta", "bien", "no", "nada", "ninguno", "nop", "tal", "vez"),
        *("hola", "buenas", "buenos", "dias", "tardes", "noches", "gracias", "muchas", "favor", "se", "yo"),
        *("mi", "nombre", "soy", "prueba", "bot", "que", "eh", "mmm", "pues", "igualmente", "ya", "oiga"),
    }
)
_QUESTION_START_ES = re.compile(r"^(?:que|como|por que|cuando|donde|cual|cuales|quien|quienes|cuanto)\b")


def implausible_name(text: str, language: str = "en") -> bool:
    """A bare affirmation, denial, greeting or question typed where a name was asked for."""
    plain = " ".join(re.sub(r"[!.,:;]+", " ", _plain(text)).split())
    if language == "es":
        plain = " ".join(re.sub(r"[¡¿]+", " ", fold(plain)).split())
        if "?" in plain or _QUESTION_START_ES.match(plain):
            return True
        words = _NOT_NAME_WORDS | _NOT_NAME_WORDS_ES
        return bool(plain) and all(word in words for word in plain.split())
    if plain.endswith("?") or _QUESTION_START.match(plain):
        return True
    return bool(plain) and all(word in _NOT_NAME_WORDS for word in plain.split())


_NAME_PREFIXES = ("my name is ", "my name's ", "i am ", "i'm ", "this is ", "it's ", "name: ")
_NAME_PREFIXES_ES = ("mi nombre es ", "me llamo ", "soy ", "yo soy ", "es ", "nombre: ", "el nombre es ")


def clean_name(text: str, language: str = "en") -> str | None:
    """A person's name, trimmed and collapsed; None when it cannot be a name.

    Names are too varied for rules beyond the basics (letters present, no digits, no @, a sane
    length): "Tom Stopford", "Zoë O'Neil-Smith" and "李小龍" are all names.
    """
    name = " ".join((text or "").split())
    for prefix in _NAME_PREFIXES_ES if language == "es" else _NAME_PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :].strip()
    name = name.strip(" .,!")
    if not name or len(name) > MAX_NAME_LENGTH:
        return None
    if any(ch.isdigit() for ch in name) or "@" in name or "/" in name:
        return None
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return None
    return name if any(ch.isupper() for ch in name) or not name.isascii() else name.title()


EXTENSION_MARK = ";ext="  # RFC 3966's extension parameter: "+16465550123;ext=7"


def _slot_value(number: phonenumbers.PhoneNumber) -> str:
    """E.164, with the extension the visitor gave appended RFC 3966 style (";ext=7")."""
    main = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{main}{EXTENSION_MARK}{number.extension}" if number.extension else main


def split_phone(value: str | None) -> tuple[str | None, str | None]:
    """(E.164 main number, extension or None) of a value from `normalise_phone` / `find_phone`.

    The store keeps the main number in E.164 so that searches and contact checks by phone match
    whether or not the visitor gave an extension; the extension has a column of its own.
    """
    if not value:
        return None, None
    main, _, extension = value.partition(EXTENSION_MARK)
    return main, extension or None


def phone_with_extension(main: str | None, extension: str | None) -> str | None:
    """A stored number as staff read it: "+16465550123 ext. 7" (None without a number)."""
    if not main:
        return None
    return f"{main} ext. {extension}" if extension else main


def normalise_phone(text: str, region: str) -> str | None:
    """E.164 form of a phone number (plus ";ext=N" when an extension is given), or None if it is not
    a possible, valid number. "646.555.0123 ext 7", "x7" and "extension 7" keep their extension."""
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _slot_value(number)


def find_phone(text: str, region: str) -> str | None:
    """The first valid phone number inside free text ("call me on 555-…"), with its extension."""
    for match in phonenumbers.PhoneNumberMatcher(text or "", region):
        return _slot_value(match.number)
    return None


def format_phone(value: str) -> str:
    """As people read it: "+1 646-555-0123", or "+1 646-555-0123 ext. 7"."""
    number = phonenumbers.parse(value, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(text: str) -> str | None:
    """The normalised address, or None. Deliverability is not checked: no DNS, and not ours to probe."""
    text = (text or "").strip()
    if not text or len(text) > 320:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def find_email(text: str) -> str | None:
    for token in re.split(r"[\s,;<>()]+", text or ""):
        if "@" in token and (email := normalise_email(token.strip(".:"))):
            return email
    return None


_AFFIRMATIONS = {
    *("yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "i agree", "agree", "yes please"),
    *("of course", "correct", "that's correct", "thats correct", "that's right", "thats right", "right"),
    *("looks good", "looks right", "all good", "perfect", "great", "send it", "yes send it", "go ahead"),
    *("please send it", "send", "confirm", "confirmed", "yes that's right", "yes correct", "all correct"),
    *("everything is correct", "everything's correct", "it's fine", "its fine", "fine", "sounds good"),
}
_DENIALS = {"no", "n", "nope", "nah", "no thanks", "i don't agree", "i do not agree", "don't", "do not"}
_DENIALS |= {"not quite", "not right", "that's wrong", "thats wrong", "wrong", "incorrect", "no it's not"}


# Spanish, compared without accents: "sí, envíela" is "si envielo"'s sibling.
_AFFIRMATIONS_ES = {
    *("si", "claro", "claro que si", "de acuerdo", "vale", "ok", "okay", "esta bien", "correcto", "bueno"),
    *("es correcto", "todo correcto", "todo bien", "asi es", "perfecto", "exacto", "dale", "listo"),
    *("si por favor", "si envielo", "si enviela", "envielo", "enviela", "mandela", "mandelo", "adelante"),
    *("confirmo", "confirmado", "si correcto", "si esta bien", "esta correcto", "todo esta bien"),
    *("si gracias", "por supuesto", "si claro", "envie", "enviar", "si enviar", "si adelante"),
}
_DENIALS_ES = {
    *("no", "nop", "no gracias", "no esta bien", "esta mal", "incorrecto", "no es correcto", "eso esta mal"),
    *("hay un error", "no del todo", "no exactamente", "no es asi", "no estoy de acuerdo", "mal", "no no"),
}


def _short_answer(text: str, language: str = "en") -> str:
    plain = fold(re.sub(r"[¡¿]", " ", text or "")) if language == "es" else _plain(text)
    return " ".join(plain.replace(",", " ").split()).strip(" .!")


def affirms(text: str, language: str = "en") -> bool:
    """A bare yes in any of the ways visitors type it ("yes please", "looks good", "send it")."""
    if language == "es":
        return _short_answer(text, language) in _AFFIRMATIONS_ES
    return _short_answer(text) in _AFFIRMATIONS


def denies(text: str, language: str = "en") -> bool:
    """A bare no ("nope", "not quite", "that's wrong")."""
    if language == "es":
        answer = _short_answer(text, language)
        return answer in _DENIALS_ES or answer.removeprefix("no ") in _DENIALS_ES  # "no, está mal"
    return _short_answer(text) in _DENIALS


_DECLINES_ES = {
    *("no", "nop", "ninguno", "ninguna", "no tengo", "no tengo uno", "no tengo ninguno", "omitir", "saltar"),
    *("paso", "no gracias", "prefiero no", "sin correo", "no tengo correo", "no tengo email"),
    "no tengo mail",
    *("no tengo correo electronico", "no tengo telefono", "sin telefono", "no uso correo", "nada"),
}


def declines(text: str, language: str = "en") -> bool:
    """The visitor says they have none ("no", "I don't have one", "skip")."""
    if language == "es":
        return _short_answer(text, language) in _DECLINES_ES
    words = _plain(text).strip().strip(".! ")
    return words in {
        "no",
        "nope",
        "none",
        "skip",
        "n/a",
        "na",
        "no thanks",
        "no email",
        "no phone",
        "i don't have one",
        "i dont have one",
        "don't have one",
        "dont have one",
        "i don't have an email",
        "i dont have an email",
        "no e-mail",
        "not really",
    }


_STOP_WORDS_ES = {"cancelar", "cancele", "parar", "pare", "salir", "basta", "olvidelo", "olvidalo"}
_STOP_PHRASES_ES = (
    *("ya no quiero", "no quiero", "cambie de opinion", "mejor no", "ahora no", "no gracias", "dejelo"),
    *("dejalo", "deje eso", "olvide eso", "no importa", "ya no"),
)


def is_stop_request(text: str, language: str = "en") -> bool:
    """A clear request to stop, as opposed to an answer that merely contains such letters.

    Guards form answers against NLU slips: "Tom Stopford" or "Kristopher" is a name, not "stop".
    """
    if language == "es":
        folded = _short_answer(text, language)
        if any(re.search(rf"\b{phrase}\b", folded) for phrase in _STOP_PHRASES_ES):
            return True
        words = set(re.findall(r"[a-zñ]+", folded))
        return bool(words & _STOP_WORDS_ES) and len(words) <= 6
    lowered = " ".join(_plain(text).split()).strip(" .!")
    if any(phrase in lowered for phrase in _STOP_PHRASES):
        return True
    words = set(re.findall(r"[a-z]+", lowered))
    return bool(words & _STOP_WORDS) and len(words) <= 6


_QUESTION_WORDS = {
    "what",
    "whats",
    "what's",
    "how",
    "why",
    "who",
    "whom",
    "where",
    "when",
    "which",
    "is",
    "are",
    "does",
    "do",
    "can",
    "could",
    "would",
    "should",
    "am",
    "tell",
    "explain",
}


_QUESTION_WORDS_ES = {
    *("que", "como", "por", "porque", "cuando", "donde", "cual", "cuales", "quien", "quienes", "cuanto"),
    *("cuanta", "cuantos", "cuantas", "puede", "puedo", "pueden", "podria", "tienen", "hay", "sirve"),
    *("funciona", "cubre", "explique", "expliqueme", "digame", "sabe"),
}


def looks_like_question(text: str, language: str = "en") -> bool:
    """A question rather than an answer ("does it help sciatica?" vs "sciatica")."""
    if language == "es":
        folded = fold(text).strip()
        words = re.findall(r"[\wñ]+", folded)
        return "?" in folded or "¿" in folded or bool(words and words[0] in _QUESTION_WORDS_ES)
    plain = _plain(text).strip()
    words = re.findall(r"[\w']+", plain)
    return plain.endswith("?") or bool(words and words[0] in _QUESTION_WORDS)
