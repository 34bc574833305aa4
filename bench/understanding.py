"""Benchmark: how well the bot understands patients, on the labelled corpus (tests/corpus).

Prints, per language (en, hi = Devanagari, hinglish = romanised Hindi) and kind: red-flag
recall, false-alarm rate, FAQ right first, wrong and confident, asked ("did you mean"),
then the time triage and the whole decision take per message.

Run from the repository root: `.venv/bin/python bench/understanding.py` (bench/README.md).
It also runs against older code that has no `core.understanding` (the decision is then
made as the inbox made it: any red-flag phrase -> urgent, else the FAQ's confident answer,
else "did you mean", else a hand-off), so the figures before and after a change come from
the same program: copy it and the corpus into a worktree of the old commit and run it there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a program run from a checkout, not an installed package

CORPUS = ROOT / "tests" / "corpus"
LANGUAGES = ("en", "hi", "hinglish")
KINDS = ("red_flag", "day", "not_flag", "doubtful", "faq", "smalltalk")
FACE = "micro-mesotherapy-face"
FLOORS = {"recall": 0.98, "false_alarms": 0.10, "right_first": 0.90, "wrong_confident": 0.03}


@dataclass(frozen=True, kw_only=True)
class Item:
    """One labelled message (tests/corpus/README.md)."""

    text: str
    language: str
    kind: str
    expect: str  # urgent | normal | human | calm | answer | smalltalk
    faq: str | None
    day: int | None
    weekday: int
    protocol: str
    patient: str


@dataclass(frozen=True, kw_only=True)
class Result:
    outcome: str  # urgent doubtful normal answer ask handoff smalltalk empty
    entry_id: str | None = None
    suggestions: tuple[str, ...] = ()


def load_corpus(folder: Path = CORPUS) -> list[Item]:
    items = []
    for language in LANGUAGES:
        data = tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))
        for raw in data["message"]:
            kind = raw["kind"]
            expect = {"red_flag": "urgent", "not_flag": "calm", "doubtful": "human",
                      "faq": "answer", "smalltalk": "smalltalk"}.get(kind, raw.get("expect", ""))
            items.append(Item(
                text=raw["text"], language=language, kind=kind, expect=expect,
                faq=raw.get("faq"), day=None if raw.get("no_day") else raw.get("day", 1),
                weekday=raw.get("weekday", 4), protocol=raw.get("protocol", FACE),
                patient=raw.get("patient", "hi" if language == "hi" else "en"),
            ))
    return items


def build_decider(content: Any) -> tuple[Callable[[Item], Result], Callable[[Item], object], str]:
    """(decide, triage only, which code) for the code in this checkout."""
    from core.faq import FaqIndex
    from core.triage import Triage

    languages = ["en", "hi"]
    faq = FaqIndex.build(content.faq, languages)
    triage = Triage.build(content.red_flags, languages)
    try:
        from core.triage import Situation
        from core.understanding import understand
    except ImportError:  # the code before core.understanding existed
        def decide_old(item: Item) -> Result:
            if triage.check(item.text) is not None:
                return Result(outcome="urgent")
            match = faq.match(item.text, item.patient)
            if match.best is not None:
                return Result(outcome="answer", entry_id=match.best.entry_id)
            if match.alternatives:
                return Result(outcome="ask",
                              suggestions=tuple(h.entry_id for h in match.alternatives))
            return Result(outcome="handoff")

        return decide_old, lambda item: triage.check(item.text), "triage.check + FaqIndex.match"

    def situation(item: Item) -> Any:
        protocol = content.protocols.get(item.protocol)
        settle = getattr(protocol, "settle_days", 3)
        return Situation(day=item.day, settle_days=settle, weekday=item.weekday)

    def decide(item: Item) -> Result:
        found = understand(
            item.text, triage=triage, faq=faq, language=item.patient,
            situation=situation(item), protocols=(item.protocol,),
            info_faq=content.red_flags.info_faq,
        )
        return Result(outcome=found.outcome.value, entry_id=found.entry_id,
                      suggestions=found.suggestions)

    return decide, lambda item: triage.assess(item.text, situation(item)), "core.understanding"


def load_shipped() -> Any:
    from storage.content_loader import load_content

    return load_content(ROOT / "content", ["en", "hi"], "en")


# --- scoring ------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Scores:
    """The floors' figures for one language (or all): each a fraction, with counts."""

    flags: int
    caught: int
    calm: int
    alarmed: int
    questions: int
    right: int
    wrong: int
    asked: int

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def recall(self) -> float:
        return self.rate(self.caught, self.flags)

    @property
    def false_alarms(self) -> float:
        return self.alarmed / self.calm if self.calm else 0.0

    @property
    def right_first(self) -> float:
        return self.rate(self.right, self.questions)

    @property
    def wrong_confident(self) -> float:
        return self.wrong / self.questions if self.questions else 0.0

    @property
    def asked_rate(self) -> float:
        return self.asked / self.questions if self.questions else 0.0


def must_alarm(item: Item) -> bool:
    return item.expect == "urgent"


def must_not_alarm(item: Item) -> bool:
    return item.expect in ("calm", "normal", "answer", "smalltalk")


def score(pairs: Iterable[tuple[Item, Result]]) -> Scores:
    counts: Counter[str] = Counter()
    for item, result in pairs:
        urgent = result.outcome == "urgent"
        if must_alarm(item):
            counts["flags"] += 1
            counts["caught"] += urgent
        if must_not_alarm(item):
            counts["calm"] += 1
            counts["alarmed"] += urgent
        if item.kind == "faq":
            counts["questions"] += 1
            answered = result.outcome == "answer" and result.entry_id is not None
            counts["right"] += answered and result.entry_id == item.faq
            counts["wrong"] += answered and result.entry_id != item.faq
            counts["asked"] += result.outcome == "ask"
    return Scores(**{name: counts[name] for name in (
        "flags", "caught", "calm", "alarmed", "questions", "right", "wrong", "asked")})


def failures(pairs: Iterable[tuple[Item, Result]]) -> list[str]:
    """One line per message the decision got wrong (for people improving the content)."""
    lines = []
    for item, result in pairs:
        wrong = (
            (must_alarm(item) and result.outcome != "urgent")
            or (must_not_alarm(item) and result.outcome == "urgent")
            or (item.kind == "faq" and not (result.outcome == "answer"
                                            and result.entry_id == item.faq))
            or (item.expect == "human" and result.outcome not in ("urgent", "doubtful"))
            or (item.expect == "normal" and result.outcome != "normal"
                and result.outcome != "answer")
        )
        if wrong:
            got = result.outcome + (f" {result.entry_id}" if result.entry_id else "") + (
                f" {list(result.suggestions)}" if result.suggestions else "")
            want = item.faq if item.kind == "faq" else item.expect
            lines.append(f"  [{item.language}/{item.kind}] {item.text!r}: want {want}, got {got}")
    return lines


def report(pairs: list[tuple[Item, Result]]) -> None:
    by_language: defaultdict[str, list[tuple[Item, Result]]] = defaultdict(list)
    for item, result in pairs:
        by_language[item.language].append((item, result))
    print(f"{'language':<9} {'kind':<10} {'n':>4}  outcomes")
    for language in LANGUAGES:
        for kind in KINDS:
            group = [(i, r) for i, r in by_language[language] if i.kind == kind]
            if not group:
                continue
            outcomes = Counter(r.outcome for _, r in group)
            shown = ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
            print(f"{language:<9} {kind:<10} {len(group):>4}  {shown}")
    print()
    print(f"{'language':<9} {'recall':>14} {'false alarms':>14} {'right first':>14} "
          f"{'wrong+sure':>12} {'asked':>10}")
    for language in (*LANGUAGES, "all"):
        group = pairs if language == "all" else by_language[language]
        s = score(group)
        print(f"{language:<9} {s.recall:>7.1%} {s.caught:>3}/{s.flags:<3}"
              f" {s.false_alarms:>7.1%} {s.alarmed:>2}/{s.calm:<3}"
              f" {s.right_first:>7.1%} {s.right:>2}/{s.questions:<3}"
              f" {s.wrong_confident:>6.1%} {s.wrong:>2}   {s.asked_rate:>5.1%} {s.asked:>2}")
    doubtful = [(i, r) for i, r in pairs if i.kind == "doubtful"]
    human = sum(r.outcome in ("urgent", "doubtful") for _, r in doubtful)
    print(f"doubtful messages a person sees (urgent or a case): {human}/{len(doubtful)}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timings(run: Callable[[Item], object], items: Sequence[Item], repetitions: int
            ) -> tuple[float, float]:
    """Median over repetitions of p50 and p99, in µs, of one call per item."""
    p50s, p99s = [], []
    for _ in range(repetitions):
        spent = []
        for item in items:
            started = time.perf_counter_ns()
            run(item)
            spent.append((time.perf_counter_ns() - started) / 1000)
        p50s.append(percentile(spent, 0.5))
        p99s.append(percentile(spent, 0.99))
    return statistics.median(p50s), statistics.median(p99s)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--failures", action="store_true", help="list every wrong decision")
    args = parser.parse_args(argv)
    items = load_corpus()
    content = load_shipped()
    decide, triage_only, which = build_decider(content)
    pairs = [(item, decide(item)) for item in items]
    print(f"corpus: {len(items)} messages; code: {which}\n")
    report(pairs)
    if args.failures:
        print("\nwrong decisions:")
        print("\n".join(failures(pairs)) or "  none")
    print()
    long_text = "the treated area looks fine today and " * 260 + " fever"
    long_items = [Item(text=long_text, language="en", kind="red_flag", expect="urgent", faq=None,
                       day=1, weekday=4, protocol=FACE, patient="en")] * 50
    for name, run, sample in (
        ("triage, corpus messages", triage_only, items),
        ("triage, 10,000 characters", triage_only, long_items),
        ("whole decision, corpus", decide, items),
    ):
        p50, p99 = timings(run, sample, args.repetitions if sample is items else 3)
        print(f"{name:<28} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs")


if __name__ == "__main__":
    main()
