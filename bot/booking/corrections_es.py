"""Spanish words for corrections: "en realidad mi número es 212 555 0143", "me equivoqué de día".

Matched against the message without accents (bot.booking.spanish.fold), so "telefono" and
"teléfono" are the same word; the value is cut from the message as typed.
"""

from __future__ import annotations

import re

from bot.booking.corrections import _Rules
from bot.booking.patient import RELATIONS_ES

_RELATIONS = "|".join(sorted((re.escape(w) for w in RELATIONS_ES), key=len, reverse=True))
_DETERMINER = r"(?:mi|el|la|ese|esa|este|esta|de)\s+(?:nuevo\s+|nueva\s+)?"
_FIELDS = tuple(
    (field, re.compile(pattern, re.I))
    for field, pattern in (
        ("email", r"\bcorreo(?:\s+electronico)?\b|\be-?mail\b|\bmail\b"),
        (
            "phone",
            r"\b(?:telefono|celular|movil)\b"
            rf"|\b{_DETERMINER}numero\b(?!\s+de\s+(?:referencia|solicitud))|\bnumero equivocado\b",
        ),
        ("full_name", rf"\b{_DETERMINER}nombre(?:\s+completo)?\b|\bapellidos?\b"),
        # Not "todo el día" or "a la hora que sea": answers about the time, not corrections of the day.
        ("preferred_date", r"\bfecha\b|\b(?:mi|ese|este|de)\s+dia\b|\bel dia\b(?=\s+(?:esta|es|era|no)\b)"),
        ("preferred_time", r"(?<!a )\b(?:mi|esa|esta|la)\s+hora\b|\bhorario\b|\bmomento del dia\b"),
        ("reason", r"\bmotivo\b|\brazon\b"),
        (
            "patient_name",
            rf"\bnombre de (?:mi|nuestro|nuestra)\s+(?:{_RELATIONS})\b|\bnombre del? (?:la )?paciente\b",
        ),
    )
)
_BARE = {
    **{"nombre": "full_name", "nombre completo": "full_name", "mi nombre": "full_name"},
    **{"numero": "phone", "numero de telefono": "phone", "el numero": "phone"},
    **{"fecha": "preferred_date", "la fecha": "preferred_date", "dia": "preferred_date"},
    **{"el dia": "preferred_date", "hora": "preferred_time", "la hora": "preferred_time"},
    **{"motivo": "reason", "el motivo": "reason", "razon": "reason", "paciente": "patient_name"},
    **{"nombre del paciente": "patient_name", "nombre de la paciente": "patient_name"},
}
_MARKER = re.compile(
    r"\b(?:en realidad|perdon|disculpe|disculpa|espere|correccion|corrijo|quise decir|quiero decir|"
    r"cambie|cambiar|cambia|cambiemos|cambio|actualice|actualizar|corregir|corrija|esta mal|mal escrito|"
    r"me equivoque|equivoque|equivocado|equivocada|error|incorrecto|incorrecta|en vez|en lugar|"
    r"deberia ser|no es correcto|no esta bien)\b|^\s*no\b",
    re.I,
)
_WHEN = re.compile(
    r"\b(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|pasado mañana)\b"
    r"|(?<!la )\bmañana\b|\bsemana que viene\b|\bproxima semana\b",
    re.I,
)
_TIME_OF_DAY = re.compile(r"\b(?:por|en|de) la (?:mañana|tarde)\b|\bcualquier hora\b|\btemprano\b", re.I)
_BOOKING = re.compile(
    r"\b(?:cita|turno|consulta|reservar|agendar|pedir una|programar|visita|ver al (?:doctor|medico))\b", re.I
)
_QUESTION_START = re.compile(
    r"^[\s¿]*(?:que|como|por que|quien|donde|cual|cuando|cuanto|son|puede|puedo|podria|tienen)\b", re.I
)
_FILLER = re.compile(
    r"^(?:[\s,:;.!=>¿¡-]|\bde (?:mi|la) (?:cita|solicitud|visita)\b|\bes\b|\bera\b|\bson\b|\besta mal\b|"
    r"\bmal\b|\bincorrect[oa]\b|\bno es correct[oa]\b|\bdeberia ser\b|\btiene que ser\b|\bpor favor\b|"
    r"\ben realidad\b|\bperdon\b|\bdisculpe\b|\bahora\b|\ba\b|\bal\b|\bel correcto\b|\bla correcta\b|"
    r"\bel bueno\b|\bcambielo\b|\bcambiela\b|\bcambie\b|\bcambiar\b|\bcambia\b|\bcorrija\b|\bcorregir\b|"
    r"\bactualice\b|\bactualizar\b|\bme equivoque\b|\bequivoque\b|\bme\b|\bno\b|\bpongale\b|\bponga\b|"
    r"\bquise decir\b|\ben vez\b|\bque\b|\bpuede\b|\bpuedo\b|\bpodria\b|\bquiero\b|\bquisiera\b|"
    r"\btengo\b|\bsin\b)+",
    re.I,
)
_TRAILING = re.compile(r"(?:[\s,.!?¿]|\ben su lugar\b|\bpor favor\b|\bgracias\b|\bmejor\b)+$", re.I)

SPANISH = _Rules(
    _FIELDS,
    _BARE,
    _MARKER,
    _WHEN,
    _TIME_OF_DAY,
    _BOOKING,
    _QUESTION_START,
    re.compile(r"\b(?:cambiar|cambie|actualizar|actualice|corregir|corrija)\b", re.I),
    re.compile(r"\b(?:cambiar|cambie|actualizar|actualice|corregir|corrija|mal|equivoc\w*|incorrect\w*)\b"),
    _FILLER,
    _TRAILING,
    re.compile(r"(?:\b(?:es|era|mi|el|la|no|en realidad|perdon|espere)\b|[\s,:;.!-])+$", re.I),
)
