"""Typed answers to the consent question, by a table: yes and no in English, Hindi and
Hindi in Latin letters; a mistake owned up to, or yes and no mixed, shows the question
again; anything else is no answer."""

from __future__ import annotations

import pytest

from core.consent_reply import consent_answer


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("yes", "yes"), ("Yes!", "yes"), ("ok i agree", "yes"), ("OK, I agree.", "yes"),
        ("yes please", "yes"), ("👍", "yes"), ("haan ji theek hai", "yes"), ("thik hai", "yes"),
        ("हाँ", "yes"), ("जी हाँ, ठीक है", "yes"), ("मैं सहमत हूँ", "yes"),
        ("no", "no"), ("No thanks", "no"), ("nahi", "no"), ("नहीं", "no"),
        ("I don't agree", "no"), ("not interested", "no"),
        ("sorry I pressed no by mistake", "again"), ("galti se no dab gaya", "again"),
        ("I changed my mind", "again"), ("yes no", "again"),
        ("what is this?", None), ("yes I have fever", None), ("maybe", None),
        ("can I join", None), ("", None),
    ],
)
def test_typed_answers(typed: str, answer: str | None) -> None:
    """Each typed reply is read as the table says; consent is never guessed."""
    assert consent_answer(typed) == answer
