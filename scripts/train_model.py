"""Trains the learned readers (core/learned.py) on the labelled corpus and writes
core/data/learned.json. Run from the repository root, after adding messages to
tests/corpus/ or changing content/faq.toml (the test suite fails until the shipped models
are the ones the corpus gives):

    .venv/bin/python scripts/train_model.py                   # write the models
    .venv/bin/python scripts/train_model.py --check           # are the shipped ones current?
    .venv/bin/python scripts/train_model.py --cross-validate  # how the thresholds were chosen

Trained on every part but the test ones (bench.understanding.TEST_PARTS, heldout4 to
heldout9; tests/corpus/README.md), so those keep measuring what nobody tuned on, and the
parts kept for the rules (RULES_ONLY_PARTS, dev14):
- red_flag: red flags against every other message (day-dependent messages only where they
  are expected on their day: the same words are urgent past the settle days, for the day
  alone, which the reader does not see);
- small_talk: small talk against every other message;
- person: concerns, requests and doubtful messages (a person must see them) against every
  other message;
- faq: which FAQ entry a question asks, from the corpus's FAQ questions and the FAQ's own
  questions and keywords (content/faq.toml), against "none" (small talk, requests,
  concerns, not-flags).
Training is deterministic (the same corpus and scikit-learn give the same file);
scikit-learn is a development dependency only: the bot reads the weights with core.learned.

--cross-validate scores each training part with a red-flag reader trained without it,
through the whole decision (core.understanding, shipped content), before and after it at
core.learned's thresholds: how they were chosen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a program run from a checkout, not an installed package

from bench.understanding import (  # noqa: E402
    PARTS,
    RULES_ONLY_PARTS,
    TEST_PARTS,
    Item,
    build_decider,
    load_corpus,
    load_shipped,
    score,
)
from core.learned import FORMAT, MODEL_FILE, Learned, NgramModel, Reading, features  # noqa: E402
from core.text_match import normalize  # noqa: E402

OUTPUT = ROOT / "core" / "data" / MODEL_FILE
FAQ_FILE = ROOT / "content" / "faq.toml"
TRAINING_PARTS = tuple(part for part in PARTS
                       if part not in TEST_PARTS and part not in RULES_ONLY_PARTS)
SIZES = (2, 5)
# Inverse regularisation: the binary readers' (l1: the features are 1/len-sized, so large),
# chosen for red flags by --cross-validate among 4, 16, 64, 256 (and for small talk on the
# figures of heldout2 and heldout3 among 64, 256, 1024); the FAQ reader's (l2) on those
# figures among 4 and 16.
C = 256.0
FAQ_C = 16.0
MIN_DF = 2  # an n-gram in one message only is noise
MIN_DOCUMENTS = 2  # a word a card may name is in this many red flags at least
RATIO = 3  # how much likelier in a red flag a word must be to be named on a card
COMMON = 0.03  # ... and in fewer than this share of all messages (no "and", "है")
DIGITS = 6  # significant digits kept in the file: small diffs, same decisions
FAQ_WEIGHT_FLOOR = 0.1  # smaller FAQ weights are left out (the file stays small)
FAQ_DIGITS = 4
NONE = ""  # the FAQ reader's label for a message that asks no FAQ question
NOT_QUESTIONS = frozenset({"smalltalk", "request", "concern", "not_flag"})


def trainable(item: Item) -> bool:
    """Day-dependent messages teach the red-flag reader only as calm examples: expected on
    their day ("a bit swollen and red" on day 1) they are no red flag, and the reader is
    asked about such a message only when the rules found it expected (EXPECTED_AT); past
    the settle days the same words are urgent for the day alone, which the reader cannot
    see."""
    return item.kind != "day" or item.expect == "normal"


def is_red_flag(item: Item) -> int:
    return int(item.expect == "urgent")


def is_small_talk(item: Item) -> int:
    return int(item.kind == "smalltalk")


def wants_person(item: Item) -> int:
    """A concern, a request or a doubtful message: a person must see it."""
    return int(item.expect == "human")


def _pipeline(c: float, *, balanced: bool, norm: str) -> Any:
    """l1 with counts (the binary readers: their sums add up word by word), or l2 with
    binary counts (the FAQ reader)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer=lambda text: features(text, *SIZES), binary=norm == "l2",
                        min_df=MIN_DF, norm=norm),
        LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=5000))


def fit(items: Sequence[Item], label: Callable[[Item], int] = is_red_flag) -> Any:
    return _pipeline(C, balanced=True, norm="l1").fit([item.text for item in items],
                                                      [label(item) for item in items])


def corpus_digest(items: Sequence[Item]) -> str:
    digest = hashlib.sha256(FAQ_FILE.read_bytes())
    for item in items:
        digest.update(f"{item.part}\0{item.language}\0{item.kind}\0{item.faq}\0{item.text}\n"
                      .encode())
    return digest.hexdigest()[:16]


def _rounded(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def export(pipeline: Any, flags: Sequence[Item] = (),
           label: Callable[[Item], int] = is_red_flag) -> dict[str, Any]:
    """A binary reader as core.learned.NgramModel reads it; given its training messages
    (`flags`, labelled by `label`), with the words a card may name."""
    vectorizer, regression = pipeline
    coefficients = regression.coef_[0]
    return {
        "ngram": list(SIZES),
        "norm": "l1",
        "bias": _rounded(float(regression.intercept_[0])),
        "features": {gram: [_rounded(float(vectorizer.idf_[index])),
                            _rounded(float(coefficients[index]))]
                     for gram, index in sorted(vectorizer.vocabulary_.items())},
        "words": _telling_words(flags, label) if flags else [],
    }


def _telling_words(items: Sequence[Item], label: Callable[[Item], int] = is_red_flag
                   ) -> list[str]:
    """The words an explanation may name: in two red flags (messages `label` marks) or
    more, at least RATIO times as frequent in them as in other messages, per word written,
    and in fewer than COMMON of all messages ("sujan", "garam", "102"; not "and", "aur",
    "है", "session", which the long messages red flags often are simply have more of)."""
    flags: Counter[str] = Counter()
    others: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    everywhere: Counter[str] = Counter()
    for item in items:
        words = normalize(item.text).split()
        (flags if label(item) else others).update(words)
        everywhere.update(set(words))
        if label(item):
            documents.update(set(words))
    in_flags, in_others = flags.total(), others.total()
    return sorted(word for word, count in flags.items()
                  if documents[word] >= MIN_DOCUMENTS and everywhere[word] < COMMON * len(items)
                  and count / in_flags >= RATIO * (others[word] + 1) / in_others)


def faq_examples(items: Sequence[Item]) -> tuple[list[str], list[str]]:
    """(texts, labels): the corpus's FAQ questions, the FAQ's questions and keywords in
    every language, and the messages that ask none."""
    texts = [item.text for item in items if item.kind == "faq"]
    labels = [item.faq or NONE for item in items if item.kind == "faq"]
    for entry in tomllib.loads(FAQ_FILE.read_text(encoding="utf-8"))["faq"]:
        question = entry.get("question", {})
        for text in [*question.values(), *(keyword for keywords in entry.get(
                "keywords", {}).values() for keyword in keywords)]:
            texts.append(text)
            labels.append(entry["id"])
    for item in items:
        if item.kind in NOT_QUESTIONS:
            texts.append(item.text)
            labels.append(NONE)
    return texts, labels


def export_faq(items: Sequence[Item]) -> dict[str, Any]:
    texts, labels = faq_examples(items)
    pipeline = _pipeline(FAQ_C, balanced=False, norm="l2").fit(texts, labels)
    vectorizer, regression = pipeline
    found = {}
    for gram, index in sorted(vectorizer.vocabulary_.items()):
        weights = [[label, float(f"{weight:.{FAQ_DIGITS}g}")]
                   for label, weight in enumerate(regression.coef_[:, index])
                   if abs(weight) >= FAQ_WEIGHT_FLOOR]
        found[gram] = [_rounded(float(vectorizer.idf_[index])), weights]
    return {"ngram": list(SIZES), "labels": [str(label) for label in regression.classes_],
            "intercepts": [_rounded(float(value)) for value in regression.intercept_],
            "features": found}


def training_items() -> list[Item]:
    return load_corpus(TRAINING_PARTS)


def train(items: Sequence[Item]) -> dict[str, Any]:
    flags = [item for item in items if trainable(item)]
    return {
        "format": FORMAT,
        "about": "Learned readers (core/learned.py), written by scripts/train_model.py",
        "trained_on": {"parts": list(TRAINING_PARTS), "messages": len(items),
                       "red_flags": sum(map(is_red_flag, flags)),
                       "corpus": corpus_digest(items)},
        "red_flag": export(fit(flags), flags),
        "small_talk": export(fit(items, is_small_talk)),
        "person": export(fit(items, wants_person), items, wants_person),
        "faq": export_faq(items),
    }


def as_text(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def check() -> int:
    """0 when the shipped models are what training on today's corpus gives."""
    shipped = json.loads(OUTPUT.read_text(encoding="utf-8"))
    items = training_items()
    if shipped.get("trained_on", {}).get("corpus") != corpus_digest(items):
        print(f"{OUTPUT.relative_to(ROOT)} was trained on another corpus or FAQ: "
              "run .venv/bin/python scripts/train_model.py")
        return 1
    fresh, current = Learned.from_dict(train(items)), Learned.from_dict(shipped)
    binary = [(fresh.red_flag, current.red_flag), (fresh.small_talk, current.small_talk),
              (fresh.person, current.person)]
    if any(theirs is None for _, theirs in binary) or current.faq is None:
        print(f"{OUTPUT.relative_to(ROOT)} lacks a reader training writes: "
              "run .venv/bin/python scripts/train_model.py")
        return 1
    worst = 0.0
    for item in load_corpus(tuple(PARTS)):
        text = normalize(item.text)
        worst = max(worst,
                    *(abs(ours.probability(text) - theirs.probability(text))
                      for ours, theirs in binary if ours and theirs),
                    *(abs(a - b) for a, b in zip(fresh.faq.scores(text),
                                                 current.faq.scores(text), strict=True)))
    print(f"largest difference in probability over the corpus: {worst:.2e}")
    return 0 if worst < 1e-4 else 1


def cross_validate() -> None:
    from core.learned import PERSON_AT, URGENT_AT

    content = load_shipped()
    everything = load_corpus(TRAINING_PARTS)
    rules, _, _ = build_decider(content, learned=None)
    print(f"each part scored by a red-flag reader trained without it (the small-talk and FAQ "
          f"readers off); thresholds: person {PERSON_AT}, urgent {URGENT_AT}")
    before_all, after_all = [], []
    for part in TRAINING_PARTS:
        rest = [item for item in everything if item.part != part and trainable(item)]
        learned = Learned(red_flag=NgramModel.from_dict(export(fit(rest), rest)))
        decide, _, _ = build_decider(content, learned=learned)
        inside = [item for item in everything if item.part == part]
        before = [(item, rules(item)) for item in inside]
        after = [(item, decide(item)) for item in inside]
        if part != "tuned":
            before_all += before
            after_all += after
        _line(part, before, after)
    _line("dev, all", before_all, after_all)


def cross_validate_person() -> None:
    """The person reader's threshold: each part's answers (the shipped readers decide)
    sent to a person at each threshold by a person reader trained without that part."""
    from dataclasses import replace

    from bench.understanding import Result
    from storage.content_loader import load_learned

    everything = load_corpus(TRAINING_PARTS)
    # The shipped readers decide, but for the person reader, which this chooses for.
    decide, _, _ = build_decider(load_shipped(), learned=replace(load_learned(), person=None))
    decided = {id(item): decide(item) for item in everything}
    readings: dict[int, Reading] = {}
    for part in TRAINING_PARTS:
        rest = [item for item in everything if item.part != part]
        reader = NgramModel.from_dict(export(fit(rest, wants_person), rest, wants_person))
        readings.update((id(item), reader.read(normalize(item.text)))
                        for item in everything if item.part == part)

    def sent(item: Item, threshold: float) -> Result:
        result = decided[id(item)]
        answered = result.outcome == "answer" or (result.outcome == "ask" and not result.person)
        if answered and readings[id(item)].worrying(threshold):  # as _for_a_person asks
            return replace(result, outcome="doubtful", person=True)
        return result

    print("answers sent to a person by a person reader trained without their part "
          "(dev parts):")
    for threshold in (1.01, 0.9, 0.8, 0.7, 0.6, 0.5):
        s = score([(item, sent(item, threshold)) for item in everything
                   if item.part != "tuned"])
        print(f"  at {threshold:4.2f}: concern/request seen {s.human_seen:6.1%}   "
              f"calm->case {s.calm_cases:5.1%}   FAQ answered alone {s.right_first:5.1%}")


def _over_alarmed(pairs: list[Any]) -> int:
    """Concerns, requests and doubtful messages given the urgent reply (no floor counts
    them: they reach a person either way, but an urgent case pages on-call)."""
    return sum(item.expect == "human" and result.outcome == "urgent" for item, result in pairs)


def _line(name: str, before: list[Any], after: list[Any]) -> None:
    b, a = score(before), score(after)
    over = f"{_over_alarmed(before)} -> {_over_alarmed(after)} of {b.human}"
    print(f"{name:<9} recall {b.recall:6.1%} -> {a.recall:6.1%}   reach {b.reach:6.1%} -> "
          f"{a.reach:6.1%}   false alarms {b.false_alarms:5.1%} -> {a.false_alarms:5.1%}   "
          f"calm->case {b.calm_cases:5.1%} -> {a.calm_cases:5.1%}   concern/request seen "
          f"{b.human_seen:5.1%} -> {a.human_seen:5.1%}   ... made urgent {over}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--cross-validate", action="store_true")
    arguments = parser.parse_args()
    if arguments.check:
        return check()
    if arguments.cross_validate:
        cross_validate()
        cross_validate_person()
        return 0
    model = train(training_items())
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(as_text(model), encoding="utf-8")
    trained = model["trained_on"]
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size // 1024} KiB): "
          f"{trained['messages']} messages ({trained['red_flags']} red flags), "
          f"{len(model['faq']['labels']) - 1} FAQ entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
