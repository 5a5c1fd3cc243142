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


def plain_text(text: str) -> str:
    """Lower case, typographic apostrophes and apostrophes dropped ("what's" -> "whats")."""
    plain = re.sub(r"['’`]", "", (text or "").lower())
    return re.sub(r"\b(what|how|who)s\b", r"\1 is", plain)


def questions_in(text: str) -> list[str]:
    """The message's parts, one question each as far as punctuation and conjunctions show."""
    return [part.strip() for part in _SPLIT.split(plain_text(text)) if part and part.strip()]


def topic_of(part: str) -> str | None:
    for topic, pattern in TOPIC_PATTERNS:
        if pattern.search(part):
            return topic
    return None


_FILLERS = re.compile(r"^(?:so|and|but|also|ok|okay|hey|hi|hello|btw|quick q|well|um|oh|plus)\b[\s,]*")
_QUESTION = re.compile(r"(?:" + _QUESTION_START + r")\b")


def question_core(part: str) -> str | None:
    """The part without a leading "so", "btw"…, if what is left reads as a question."""
    core = _FILLERS.sub("", part)
    return core if _QUESTION.match(core) else None


def topics_in(text: str, classify: Callable[[str], str | None] | None = None) -> list[str]:
    """The distinct topics the message asks about, in the order it asks them.

    A part no pattern places is given to `classify` (the splitter's model, trained on the answers'
    examples) when it reads as a question; statements around the questions never are.
    """
    found: list[str] = []
    for part in questions_in(text):
        topic = topic_of(part)
        if topic is None and classify is not None and (core := question_core(part)):
            topic = classify(core)
        if topic and topic not in found:
            found.append(topic)
    return found
