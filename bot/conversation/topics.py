"""Which of the article's topics a message asks about, part by part (issue 14, item 7).

"what is prolotherapy and how much does it cost?" holds two questions; the response selectors pick one
answer per message, so the second went unanswered. The message is cut into its questions (at ?, ;,
commas and "and / also / plus" before a new question) and each part is matched against the topics of
the answers in domain.yml (`faq/<topic>` from the article, `unknown/<topic>` for what it does not say).
A part is matched first by words that ask that one thing (so a single question is not answered twice),
then, if it reads as a question, by a small classifier trained on the answers' examples (bot.rasa.nlu).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_QUESTION_START = (
    r"what|whats|how|why|who|whos|when|where|which|is|isnt|are|arent|does|doesnt|do|dont|did|can|could|"
    r"will|would|should|am|any|tell|explain"
)
_SPLIT = re.compile(
    r"[?!;.]+|,|\b(?:and|also|plus|but)\s+(?=(?:" + _QUESTION_START + r")\b)"
    r"|\b(?:also|plus)\b",
)
_PROLO = r"(?:prolo\w*|it|this|that|the (?:treatment|therapy|procedure|injections?|shots?))"

# Most specific first: a part gets the first topic whose pattern it matches.
TOPIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (
            "unknown/what_is_injected",
            r"\bwhat(?: is| exactly is)?(?: actually| exactly)? in (?:the|a|it|this|that|those|these|each)\b"
            r"|\bwhat (?:do|does|will|would) (?:you|u|they|you guys|u guys|the doctors?) (?:\w+ )?inject"
            r"|\bwhat (?:is|gets|are|will be|would be) (?:being )?injected|\bingredients?\b|\bdextrose\b"
            r"|\bwhat (?:substance|solution|liquid|stuff)\b|\bwhat do they put in\b"
            r"|\bwhat(?: is| are)? (?:the )?(?:shots?|injections?) made of\b",
        ),
        (
            "unknown/number_of_injections",
            r"\bhow many\b.*\b(?:injections?|shots?|sessions?|treatments?|visits?|times|appointments?"
            r"|rounds?)\b"
            r"|\bhow often\b|\bhow many (?:do|will|would)\b",
        ),
        (
            "unknown/recovery_time",
            r"\brecover(?:y|ing)?\b|\bdowntime\b|\bheal(?:ing)? time\b|\btime off\b|\bback to work\b"
            r"|\bhow (?:long|soon|quickly|fast) (?:before|until|till|does it take|will it take|to|after"
            r"|do|will|would|is|until i)\b|\bhow (?:soon|quickly|fast)\b|\bwhen will i (?:feel|notice|see)\b"
            r"|\bnotice a difference\b|\btake effect\b|\bkick in\b|\bstart working\b",
        ),
        (
            "unknown/insurance",
            r"\binsur\w*|\bcovered\b|\bcoverage\b|\bcover (?:it|this|that|prolo\w*|the)\b|\bmedicare\b"
            r"|\bmedicaid\b|\bblue cross\b|\baetna\b|\bcigna\b|\bhumana\b|\bunited ?healthcare\b"
            r"|\bhmo\b|\bppo\b"
            r"|\bco-?pay\b|\bdeductible\b|\bhsa\b",
        ),
        (
            "unknown/cost",
            r"\bcosts?\b|\bcosting\b|\bprices?\b|\bpricing\b|\bpriced\b|\bexpensive\b|\bcheap\b|\bafford\w*"
            r"|\bfees?\b|\bcharge\b|\bout of pocket\b|\bpay for\b|\bpay\b"
            r"|\bhow much\b(?!.*\b(?:hurt|pain|painful|help|relief|better)\b)",
        ),
        (
            "unknown/side_effects",
            r"\bside[- ]?effects?\b|\brisks?\b|\brisky\b|\bsafe\b|\bsafety\b|\bdanger\w*|\bpainful\b"
            r"|\b(?:does|will|would|is|did|do) (?:it|this|that|prolo\w*|the (?:injections?|shots?|needles?)) "
            r"(?:\w+ )?hurt\b|\bhurt (?:much|a lot|badly)\b"
            r"|\bcomplications?\b|\badverse\b|\bdownsides?\b|\bharm\w*|\breactions?\b|\bsore(?:ness)?\b",
        ),
        (
            "faq/not_mainstream",
            r"\bmainstream\b|\bnot (?:more )?(?:common|popular|widespread|well[- ]known|standard)\b"
            r"|\bisnt (?:it |this |prolo\w* )?(?:more )?(?:common|popular|widespread|standard|mainstream)\b"
            r"|\bwhy (?:dont|do not|arent|dont more|do so few) (?:more |all |many )?doctors\b"
            r"|\btaught in med\w*|\bmed(?:ical)? school\b|\balternative (?:therapy|medicine|treatment)\b"
            r"|\bcontroversial\b|\bwhy (?:is|isnt) (?:it|this|prolo\w*) not\b",
        ),
        (
            "faq/other_options",
            r"\bother (?:options|treatments?|ways|things|therapies|choices)\b|\balternatives\b"
            r"|\bbesides (?:this|prolo\w*|injections?|that)\b|\bwhat else (?:can|could|is there|should)\b"
            r"|\binstead of prolo\w*|\bapart from (?:this|prolo\w*)\b",
        ),
        (
            "faq/suits_me",
            r"\bright for me\b|\bcandidate\b|\bsuit(?:s|able)? (?:for )?me\b|\bfor someone like me\b"
            r"|\bwork for me\b|\bhelp me\b|\bis (?:it|this|prolo\w*) for me\b",
        ),
        (
            "faq/who_performs",
            r"\bwho (?:does|do|performs?|gives?|administers?|will|would|is|are|does the|injects?|can)\b"
            r"|\b(?:is|are|will) (?:a|the) (?:doctors?|physicians?|nurses?|specialists?) (?:doing|giving|"
            r"performing|do)\b|\bqualified\b|\bwhat (?:kind|type) of (?:doctor|physician|specialist)\b"
            r"|\btrained\b",
        ),
        (
            "faq/vs_surgery",
            r"\bsurg\w*|\boperation\b|\bback op\b|\bfusion\b",
        ),
        (
            "faq/conditions",
            r"\b(?:help|treat|fix|good for|work for|work on|used for|helps|treats|heal)\b.*"
            r"\b(?:sciatic\w*|whiplash|dis[ck]s?|soft[- ]tissue|herniat\w*|arthritis|injur\w*|ligaments?"
            r"|tendons?|strains?|sprains?|neck|lower back|back pain)\b"
            r"|\bwhat (?:conditions|problems|injuries)\b"
            r"|\bwhat (?:can|does|do) (?:it|this|prolo\w*|you) treat\b"
            r"|\bwhich conditions\b|\bconditions\b",
        ),
        (
            "faq/how_it_works",
            r"\bhow (?:does|do|would|will|exactly does|is it supposed to|is) " + _PROLO + r" (?:\w+ )?work"
            r"|\bhow it works\b|\bmechanism\b|\bhow (?:does|do) (?:it|this|prolo\w*) (?:help|heal)\b"
            r"|\bhow (?:does|is) (?:it|this|prolo\w*) (?:done|given|performed)\b",
        ),
        (
            "faq/effectiveness",
            r"(?<!how )\b(?:does|do|will|would|did|can) " + _PROLO + r" (?:actually |really |even |truly )?"
            r"(?:work|help)\b(?! (?:with|for|on)\b)|\beffective\w*|\bevidence\b|\bstud(?:y|ies)\b"
            r"|\bsuccess rate\b|\bworth it\b|\bproven\b|\bresults?\b",
        ),
        (
            "faq/what_is",
            r"\bwhat(?: is| are| exactly is)? (?:prolo\w*|this (?:treatment|therapy|procedure|injection))\b"
            r"|\b(?:tell me|explain|info) (?:about|on)? ?prolo\w*|\bwhat is it\b$",
        ),
    )
)


# Spanish, matched without accents and without ¿ ¡: "¿qué es la proloterapia y cuánto cuesta?".
_QUESTION_START_ES = (
    r"que|como|por que|porque|cuanto|cuanta|cuantos|cuantas|cuando|donde|quien|quienes|cual|cuales|es|son|"
    r"esta|hay|tiene|tienen|puede|puedo|pueden|sirve|funciona|cubre|duele|necesito|debo|explique|digame|"
    r"hableme|cuenteme|lo|acepta|aceptan"
)
_SPLIT_ES = re.compile(
    r"[?!;.]+|,|\b(?:y|e|tambien|ademas|pero)\s+(?=(?:" + _QUESTION_START_ES + r")\b)|\b(?:tambien|ademas)\b"
)
_PROLO_ES = r"(?:(?:la )?prolo\w*|esto|eso|(?:la|las|el) (?:terapia|inyecci\w*|tratamiento|procedimiento))"
TOPIC_PATTERNS_ES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (
            "unknown/what_is_injected",
            r"\bque (?:se )?(?:inyecta\w*|ponen|lleva|llevan"
            r"|contiene\w*)\b|\bque (?:hay|va|tiene) (?:en )?(?:la|las)"
            r" inyecci\w*|\bingredientes?\b|\bdextrosa\b|\bque (?:sustancia|solucion|liquido)\b"
            r"|\bde que (?:esta|estan) hech[oa]s?\b",
        ),
        (
            "unknown/number_of_injections",
            r"\bcuant[oa]s\b.*\b(?:inyecciones|sesiones|tratamientos|visitas|veces|citas|aplicaciones|pinchazos)\b"
            r"|\bcada cuanto\b|\bcon que frecuencia\b",
        ),
        (
            "unknown/recovery_time",
            r"\brecupera\w*|\bcuanto (?:tiempo )?(?:tarda|se tarda|demora|dura la recuperacion)\b|\breposo\b"
            r"|\bvolver al trabajo\b|\bcuando (?:voy a|vere|notare"
            r"|sentire|empezare)\b|\bnotar (?:la )?diferencia\b"
            r"|\bhace[rn]? efecto\b|\bempieza a funcionar\b|\bdias libres\b|\bincapacidad\b",
        ),
        ("unknown/side_effects", r"\b(?:es|son|sera|seria) (?:muy )?segur[oa]s?\b|\bque tan segur[oa]\b"),
        (
            "unknown/insurance",
            r"\bseguros?\b|\bcubre\w*|\bcobertura\b|\bmedicare\b|\bmedicaid\b|\baseguradora\b|\bcopago\b"
            r"|\bdeducible\b",
        ),
        (
            "unknown/cost",
            r"\bcuestan?\b|\bcosto\b|\bcoste\b|\bprecios?\b|\bcaro\b|\bbarato\b|\btarifas?\b|\bpagar\b"
            r"|\bde mi bolsillo\b|\bcuanto (?:vale|valen|sale|salen|cobran)\b"
            r"|\bcuanto\b(?!.*\b(?:duele|dolor|tarda|tiempo|dura|ayuda)\b)",
        ),
        (
            "unknown/side_effects",
            r"\befectos? (?:secundarios|adversos)\b|\briesgos?\b|\bpeligros\w*|\bdoloros[oa]s?\b|\bdolera\b"
            r"|\bduel[ea]n? (?:mucho|" + _PROLO_ES + r")\b|^duel[ea]n?$|\bcomplicaciones?\b"
            r"|\bcontraindicaciones?\b|\breacciones?\b|\bdesventajas?\b|\bseguridad\b",
        ),
        (
            "faq/not_mainstream",
            r"\bno es (?:mas )?(?:comun|popular|conocid[oa]|habitual|estandar)\b|\bpor que no es\b"
            r"|\bpor que (?:no )?(?:la |lo )?(?:usan|hacen|recomiendan"
            r"|ofrecen) (?:mas |pocos |todos )?(?:los )?"
            r"(?:medicos|doctores)\b|\bpor que (?:hay )?(?:pocos"
            r"|no todos los|tan pocos) (?:medicos|doctores)\b"
            r"|\b(?:medicina|terapia) alternativa\b|\bpolemic[oa]\b|\bcontroversial\b",
        ),
        (
            "faq/other_options",
            r"\botr[oa]s (?:opciones|tratamientos|alternativas|terapias|formas|cosas)\b|\balternativas\b"
            r"|\bademas de (?:la proloterapia|esto|las inyecciones)\b|\bque mas (?:puedo|podria|hay)\b"
            r"|\ben (?:vez|lugar) de (?:la )?prolo\w*",
        ),
        (
            "faq/suits_me",
            r"\b(?:me sirve|me serviria|es para mi|es (?:adecuad[oa]|apropiad[oa]|buen[oa]) para mi"
            r"|candidat[oa]|me puede ayudar|me ayudaria|(?:me )?funcionaria (?:para mi|a mi)|me funcionaria"
            r"|sirve para mi|para alguien como yo|en mi caso)\b",
        ),
        (
            "faq/who_performs",
            r"\bquien(?:es)? (?:la |lo |las |me )?(?:hace|hacen|realiza|realizan|aplica|aplican|pone|ponen"
            r"|administra|inyecta|atiende)\b|\bque (?:tipo|clase) de (?:medico|doctor|especialista)\b"
            r"|\b(?:cualificad|capacitad|entrenad)[oa]s?\b|\blo hace un (?:medico|doctor|enfermer[oa])\b",
        ),
        ("faq/vs_surgery", r"\bcirug\w*|\boperaci\w*|\boperar\w*|\bfusion\b|\bquirurgic\w*"),
        (
            "faq/conditions",
            r"\b(?:sirve|ayuda|trata|cura|funciona|es buena|se usa|alivia)\b.*\b(?:ciatic\w*|latigazo|discos?"
            r"|tejidos? blandos?|hernia\w*|artritis|lesion\w*|ligamentos?|tendon\w*|esguinces?|cuello|espalda"
            r"|lumbar)\b|\bque (?:condiciones|problemas|lesiones"
            r"|enfermedades|dolencias)\b|\bque (?:trata|cura)\b"
            r"|\bpara que sirve\b|\bcondiciones\b",
        ),
        (
            "faq/how_it_works",
            r"\bcomo funciona\b|\bcomo (?:se hace|se aplica|se realiza"
            r"|actua|ayuda|cura|trabaja)\b|\bmecanismo\b"
            r"|\ben que consiste\b",
        ),
        (
            "faq/effectiveness",
            r"(?<!como )\b(?:funciona|sirve|ayuda"
            r"|da resultado)\b(?! (?:para|con|en|a)\b)|\befica\w*|\befectiv\w*"
            r"|\bevidencia\b|\bestudios?\b|\btasa de exito\b|\bvale la pena\b|\bprobad[oa]\b|\bresultados?\b",
        ),
        (
            "faq/what_is",
            r"\bque (?:es|son)(?: exactamente)? (?:la )?prolo\w*"
            r"|\bque es (?:esto|eso|este tratamiento|esta terapia)\b"
            r"|\b(?:hableme|cuenteme|expliqueme|informacion) (?:de|sobre)? ?(?:la )?prolo\w*|\bque es\b$",
        ),
    )
)


def plain_text(text: str, language: str = "en") -> str:
    """Lower case, typographic apostrophes and apostrophes dropped ("what's" -> "whats"); Spanish
    also without accents, ¿ and ¡ ("¿Qué es?" -> "que es?")."""
    if language == "es":
        decomposed = unicodedata.normalize("NFKD", (text or "").lower().replace("¿", " ").replace("¡", " "))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0303")
        return " ".join(re.sub(r"['’`]", "", plain.replace("n\u0303", "ñ")).split())
    plain = re.sub(r"['’`]", "", (text or "").lower())
    return re.sub(r"\b(what|how|who)s\b", r"\1 is", plain)


def questions_in(text: str, language: str = "en") -> list[str]:
    """The message's parts, one question each as far as punctuation and conjunctions show."""
    split = _SPLIT_ES if language == "es" else _SPLIT
    return [part.strip() for part in split.split(plain_text(text, language)) if part and part.strip()]


def topic_of(part: str, language: str = "en") -> str | None:
    for topic, pattern in TOPIC_PATTERNS_ES if language == "es" else TOPIC_PATTERNS:
        if pattern.search(part):
            return topic
    return None


_FILLERS = re.compile(r"^(?:so|and|but|also|ok|okay|hey|hi|hello|btw|quick q|well|um|oh|plus)\b[\s,]*")
_QUESTION = re.compile(r"(?:" + _QUESTION_START + r")\b")
_FILLERS_ES = re.compile(
    r"^(?:entonces|y|pero|tambien|ademas|ok|vale|oiga|oye|hola|bueno|pues|una pregunta|otra pregunta)\b[\s,]*"
)
_QUESTION_ES = re.compile(r"(?:" + _QUESTION_START_ES + r")\b")


def question_core(part: str, language: str = "en") -> str | None:
    """The part without a leading "so", "btw"…, if what is left reads as a question."""
    fillers, question = (_FILLERS_ES, _QUESTION_ES) if language == "es" else (_FILLERS, _QUESTION)
    core = fillers.sub("", part)
    return core if question.match(core) else None


def topics_in(
    text: str, classify: Callable[[str], str | None] | None = None, language: str = "en"
) -> list[str]:
    """The distinct topics the message asks about, in the order it asks them.

    A part no pattern places is given to `classify` (the splitter's model, trained on the answers'
    examples) when it reads as a question; statements around the questions never are.
    """
    found: list[str] = []
    for part in questions_in(text, language):
        topic = topic_of(part, language)
        if topic is None and classify is not None and (core := question_core(part, language)):
            topic = classify(core)
        if topic and topic not in found:
            found.append(topic)
    return found
