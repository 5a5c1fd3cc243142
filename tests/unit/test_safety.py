"""Red flags: real emergencies are recognised in the visitor's own words; ordinary complaints are not."""

from __future__ import annotations

import pytest

from bot.conversation.safety import EMERGENCY_TEXT_ES, emergency_text, red_flag


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("I suddenly can't control my bladder and my back hurts", "bladder or bowel control"),
        ("since this morning i cant hold my bowels", "bladder or bowel control"),
        ("I wet myself and my lower back is agony", "bladder or bowel control"),
        ("new incontinence with my back pain", "incontinence"),
        ("numbness in my groin since yesterday", "numbness in the groin or saddle area"),
        ("my inner thighs went numb", "numbness in the groin or saddle area"),
        ("I can't feel anything between my legs", "numbness in the groin or saddle area"),
        ("my legs are getting weaker by the hour", "worsening weakness in the legs"),
        ("my leg keeps giving out and it's getting worse fast", "worsening weakness in the legs"),
        ("I have a fever and my back is killing me", "fever with back pain"),
        ("back pain and chills", "fever with back pain"),
        ("I fell off a ladder today and hurt my back", "a recent fall or accident"),
        ("was rear-ended yesterday, my neck and back are bad", "a recent fall or accident"),
        ("I Fell Down The Stairs Last Night And My Spine Hurts", "a recent fall or accident"),
        ("I can’t control my bladder", "bladder or bowel control"),
        ("i have chest pain and my back hurts", "chest pain or trouble breathing"),
        ("I can't breathe well since this morning", "chest pain or trouble breathing"),
    ],
)
def test_emergencies_are_recognised(text: str, flag: str) -> None:
    assert red_flag(text) == flag


@pytest.mark.parametrize(
    "text",
    [
        "my leg tingles",
        "my leg tingles down to my foot when I sit",
        "old whiplash from a car accident in 2015 still hurts",
        "a car accident last year hurt my neck",
        "I have back pain but no fever",
        "no numbness in my groin, just back pain",
        "sciatica",
        "my toes go numb when I sit too long",
        "I fell in love with yoga",
        "Tom Stopford",
        "does prolotherapy help degenerative discs?",
        "my legs feel weak after a long walk",
        "no chest pain, just my lower back",
        "",
    ],
)
def test_ordinary_complaints_are_not_emergencies(text: str) -> None:
    assert red_flag(text) is None


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        (
            "de repente no puedo controlar la vejiga y tengo las piernas entumecidas",
            "bladder or bowel control",
        ),
        ("me caí y ahora no puedo mover las piernas", "legs that cannot move after a fall or accident"),
        ("se me escapa la orina y me duele mucho la espalda", "bladder or bowel control"),
        ("Tengo la entrepierna dormida desde ayer", "numbness in the groin or saddle area"),
        ("de pronto se me adormecieron las ingles", "numbness in the groin or saddle area"),
        ("se me ha entumecido la zona íntima", "numbness in the groin or saddle area"),
        ("tengo fiebre y dolor de espalda", "fever with back pain"),
        ("mis piernas están cada vez más débiles", "worsening weakness in the legs"),
        ("tuve un accidente de coche esta mañana y me duele la columna", "a recent fall or accident"),
        ("incontinencia nueva con dolor lumbar", "incontinence"),
        ("I fell and now I can't move my legs", "legs that cannot move after a fall or accident"),
        ("tengo un dolor muy fuerte en el pecho", "chest pain or trouble breathing"),
        ("me falta el aire y me duele la espalda", "chest pain or trouble breathing"),
    ],
)
def test_spanish_emergencies_are_recognised(text: str, flag: str) -> None:
    assert red_flag(text) == flag


@pytest.mark.parametrize(
    "text",
    [
        "no tengo fiebre pero me duele la espalda",
        "no hablo inglés y tengo las piernas entumecidas cuando me siento mucho",
        "me duele la espalda desde hace años",
        "tuve un accidente de coche en 2015 y todavía me duele el cuello",
        "hola, quiero una cita",
        "María José García",
        "no tengo dolor de pecho, solo la espalda",
    ],
)
def test_ordinary_spanish_complaints_are_not_emergencies(text: str) -> None:
    assert red_flag(text) is None


@pytest.mark.parametrize(
    ("text", "spanish"),
    [
        ("me caí y ahora no puedo mover las piernas", True),
        ("I can't control my bladder", False),
    ],
)
def test_the_emergency_reply_is_in_the_visitors_language(text: str, spanish: bool) -> None:
    assert (emergency_text(text) == EMERGENCY_TEXT_ES) is spanish
    assert "911" in emergency_text(text)
