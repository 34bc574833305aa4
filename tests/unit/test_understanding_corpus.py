"""The floors on the labelled corpus (tests/corpus, issue 10 acceptance 1): per language,
red-flag recall >= 98%, false alarms <= 10%, FAQ right first >= 90%, wrong and confident
<= 3%; doubtful messages all reach a person. `bench/understanding.py` prints the table."""

from __future__ import annotations

import pytest

from bench.understanding import (
    FLOORS,
    LANGUAGES,
    Item,
    Result,
    build_decider,
    failures,
    load_corpus,
    load_shipped,
    score,
)


@pytest.fixture(scope="module")
def decided() -> list[tuple[Item, Result]]:
    decide, _, which = build_decider(load_shipped())
    assert which == "core.understanding"
    return [(item, decide(item)) for item in load_corpus()]


def test_the_corpus_is_big_enough_and_covers_every_kind(
    decided: list[tuple[Item, Result]],
) -> None:
    """At least 300 messages, in English, Hindi and Hinglish, of every kind."""
    assert len(decided) >= 300
    for language in LANGUAGES:
        kinds = {item.kind for item, _ in decided if item.language == language}
        assert kinds == {"red_flag", "not_flag", "doubtful", "day", "faq", "smalltalk"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_floors_hold_per_language(decided: list[tuple[Item, Result]], language: str) -> None:
    """Recall, false alarms, right first and wrong-confident stay within the floors."""
    pairs = [(item, result) for item, result in decided if item.language == language]
    scores = score(pairs)
    report = "\n".join(failures(pairs))
    assert scores.recall >= FLOORS["recall"], report
    assert scores.false_alarms <= FLOORS["false_alarms"], report
    assert scores.right_first >= FLOORS["right_first"], report
    assert scores.wrong_confident <= FLOORS["wrong_confident"], report


def test_doubtful_messages_reach_a_person(decided: list[tuple[Item, Result]]) -> None:
    """Every doubtful message gets the urgent reply or a normal case: never silence."""
    missed = [item.text for item, result in decided
              if item.kind == "doubtful" and result.outcome not in ("urgent", "doubtful")]
    assert missed == []


def test_every_faq_label_names_a_shipped_entry() -> None:
    """A corpus label that names no entry would count as a miss forever."""
    ids = {entry.id for entry in load_shipped().faq}
    assert {item.faq for item in load_corpus() if item.faq} <= ids
