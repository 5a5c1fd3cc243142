"""Is a message written in Spanish? A word-list check, because no language model may be downloaded.

It counts words that are frequent in Spanish and rare in English ("quiero", "tengo", "puedo", "una")
against words frequent in English. A name ("María José García") or a single loan word ("sí", "hola"
inside an English sentence) is not enough: it takes two Spanish words, and more than the English ones.
"""

from __future__ import annotations

import re
import unicodedata

_SPANISH_WORDS = """
    hola buenas buenos dias tardes noches gracias favor quiero quisiera queria necesito puedo puede
    podria tengo tiene tienen estoy esta estan soy es son hay hablo habla hablan ingles espanol
    castellano una unos unas el los las del al la lo le les mi mis tu su sus nuestro que como cuando
    donde porque pero tambien muy mas menos bien mal mucho poco ahora hoy ayer manana semana
    cita consulta medico doctora doctor dolor espalda pierna piernas rodilla cuello columna me duele
    duelen caido cai vejiga fiebre entumecidas entumecido ayuda ayudar llamar llamada llamen llame
    telefono numero nombre correo hacer tratamiento cuesta cuanto seguro se sin con para por desde
    hasta sobre entre y o ni no si usted ustedes ellos ella nosotros yo algo nada todo cada otro
    quien cual cuales esto eso este ese aqui alli puedes podemos quieres sabe saber entiendo
"""
_ENGLISH_WORDS = """
    the a an and or is are was were be been i you he she we they it my your his her our their me
    to of in on at for with from by about do does did have has had can could would should will
    what how when where why who which this that these those there here not no yes please thanks
    thank hello hi want need like appointment back pain leg legs name phone email call
"""
_SPANISH = frozenset(_SPANISH_WORDS.split())
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
# Words spelled the same in both lists ("no", "me") count for neither.
_SHARED = _SPANISH & _ENGLISH


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[a-zñ]+", plain)


def looks_spanish(text: str) -> bool:
    """True when the message reads as Spanish rather than English."""
    words = _words(text)
    spanish = sum(1 for w in words if w in _SPANISH and w not in _SHARED)
    english = sum(1 for w in words if w in _ENGLISH and w not in _SHARED)
    accented = bool(re.search(r"[ñáéíóú¿¡]", (text or "").lower()))
    return (spanish >= 2 and spanish > english) or (accented and spanish >= 1 and spanish > english)


_MARKED_ID = re.compile(r"web-(es)-")  # every language served besides English


def conversation_language(conversation: str) -> str:
    """The language a web conversation was started in: its id says so (`web-es-…`; English ids carry
    none), so bot.web, the store and the staff's tools can all tell it without asking Rasa."""
    marked = _MARKED_ID.match(conversation or "")
    return marked.group(1) if marked else "en"


def opening_language(first_message: str | None, served: tuple[str, ...], asked: str | None = None) -> str:
    """A new conversation's language: Spanish when its first message clearly is (and Spanish is
    served), else the one `asked` for (the widget's) if served, else the first served. The widget's
    /chat and the messaging channels' webhooks start conversations by this one rule."""
    if "es" in served and first_message and looks_spanish(first_message):
        return "es"
    return asked if asked in served else served[0]
