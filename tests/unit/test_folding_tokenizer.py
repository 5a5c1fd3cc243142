"""The Spanish model's tokenizer folds case and accents into lemmas, which the featurizers read."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.rasa.nlu import FoldingTokenizer, folded


def tokens_of(text: str, **config: object) -> list[tuple[str, str]]:
    tokenizer = FoldingTokenizer({**FoldingTokenizer.get_default_config(), **config})
    return [(token.text, token.lemma) for token in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_folded_drops_case_and_accents_but_keeps_enye() -> None:
    assert folded("Médico") == "medico"
    assert folded("CUÁNTO") == "cuanto"
    assert folded("pingüino") == "pinguino"
    assert folded("Año") == "año"


def test_folded_can_drop_the_tilde_of_enye_too() -> None:
    assert folded("Año", keep_enye=False) == "ano"


def test_the_lemmas_are_folded_and_the_texts_kept() -> None:
    assert tokens_of("¿Cuánto cuesta el Médico?") == [
        ("Cuánto", "cuanto"),
        ("cuesta", "cuesta"),
        ("el", "el"),
        ("Médico", "medico"),
    ]


def test_the_token_offsets_are_those_of_the_whitespace_tokenizer() -> None:
    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "mi teléfono es 555 0199"}), "text")
    assert [(token.start, token.end) for token in tokens] == [(0, 2), (3, 11), (12, 14), (15, 18), (19, 23)]


def test_keep_enye_is_read_from_the_config() -> None:
    assert tokens_of("el año", keep_enye=False) == [("el", "el"), ("año", "ano")]
    assert tokens_of("el año") == [("el", "el"), ("año", "año")]
