"""Benchmark: FAQ match latency p50/p99, shipped and synthetic FAQ, against a naive baseline.

Run from the repository root: `.venv/bin/python bench/faq_matching.py` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a program run from a checkout, not an installed package

from core.content import FaqEntry, LocalizedText  # noqa: E402
from core.faq import MAX_INPUT_CHARS, FaqIndex  # noqa: E402

SEED = 20261125
LANGUAGES = ("en", "hi")

# Real aftercare words, so synthetic keywords have realistic lengths and letter patterns.
EN_WORDS = (  # noqa: SIM905 (word lists read better as prose)
    "makeup foundation concealer exercise workout gym sauna swimming sunscreen sunbathing "
    "alcohol wine beer paracetamol ibuprofen aspirin retinol retinoid vitamin fish oil "
    "swelling bruising redness itching shower shampoo hair wash pillow sleeping compress "
    "ice cream serum moisturiser cleanser peel laser facial threading waxing shaving "
    "results session appointment booking follow maintenance dandruff scalp hairline "
    "flight travel steam yoga running cycling smoking coffee spicy food water hydration "
    "antibiotic allergy cold sore herpes rash pimple acne tingling numbness tightness"
).split()
HI_WORDS = (  # noqa: SIM905 (word lists read better as prose)
    "मेकअप व्यायाम कसरत धूप सनस्क्रीन शराब दवा पैरासिटामोल सूजन नील खुजली लालिमा नहाना "
    "बाल शैम्पू तकिया नींद बर्फ सिकाई क्रीम सीरम चेहरा दाढ़ी परिणाम सत्र अपॉइंटमेंट यात्रा "
    "भाप योग दौड़ धूम्रपान कॉफी मसाला पानी एलर्जी छाले दाने मुंहासे झुनझुनी"
).split()
HINGLISH_WORDS = (  # noqa: SIM905 (word lists read better as prose)
    "dhoop daru sharab dawa sujan khujli nahana baal takiya neend barf sikai chehra "
    "parinaam yatra bhaap daud masala paani daane kasrat"
).split()

CHATTER = (
    "hello",
    "thank you so much",
    "ok",
    "see you next week",
    "all good here",
    "asdf",
    "🙂🙏",
    "नमस्ते",
    "धन्यवाद",
    "theek hai",
    "I will call later",
    "who is my doctor",
)
TEMPLATES_EN = ("can I {} today?", "when is {} ok", "{}??", "is {} allowed after the session")
TEMPLATES_HI = ("क्या मैं {} कर सकती हूँ?", "{} कब तक नहीं?", "kya {} theek hai")


@dataclass(frozen=True, kw_only=True)
class Faq:
    """A FAQ under test: its entries and every (language, keyword) pair."""

    name: str
    entries: tuple[FaqEntry, ...]

    def keywords(self) -> list[tuple[str, str]]:
        return [(lang, kw) for e in self.entries for lang, kws in e.keywords.items() for kw in kws]


def synthetic_faq(rng: random.Random, size: int) -> Faq:
    """`size` entries; keywords are real aftercare words plus made-up compounds of them."""
    entries = []
    for number in range(size):
        en = {rng.choice(EN_WORDS) + rng.choice(EN_WORDS)[:4] for _ in range(rng.randint(3, 6))}
        en |= {f"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)}" for _ in range(rng.randint(0, 2))}
        hi = {rng.choice(HI_WORDS) + rng.choice(HI_WORDS)[:2] for _ in range(rng.randint(2, 4))}
        hi |= {rng.choice(HINGLISH_WORDS) + str(number % 7) for _ in range(rng.randint(0, 2))}
        entries.append(
            FaqEntry(
                id=f"synthetic-{number}",
                keywords={"en": tuple(sorted(en)), "hi": tuple(sorted(hi))},
                question=LocalizedText.of({"en": f"Question {number}?", "hi": f"सवाल {number}?"}),
                answer=LocalizedText.of("..."),
            )
        )
    return Faq(name=f"synthetic {size}-entry FAQ", entries=tuple(entries))


def shipped_faq() -> Faq | None:
    """The shipped FAQ through the content loader, or None (with a message) if unavailable."""
    try:
        from storage.content_loader import load_content
    except ImportError:
        print("shipped FAQ: skipped (storage.content_loader is not there yet)")
        return None
    try:
        content = load_content(ROOT / "content", list(LANGUAGES), "en")
    except Exception as error:  # any loader failure only skips this part of the benchmark
        print(f"shipped FAQ: skipped (content does not load: {type(error).__name__})")
        return None
    return Faq(name=f"shipped FAQ ({len(content.faq)} entries)", entries=tuple(content.faq))


def typo(rng: random.Random, word: str) -> str:
    """One random slip: a letter dropped, doubled, swapped with its neighbour or replaced."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]


def queries(rng: random.Random, faq: Faq, count: int) -> list[tuple[str, str]]:
    """(text, language): 40% keyword hits, 25% typos, 25% misses, 10% long text."""
    keywords = faq.keywords()
    found: list[tuple[str, str]] = []
    for _ in range(count):
        roll = rng.random()
        lang, keyword = rng.choice(keywords)
        template = rng.choice(TEMPLATES_HI if lang == "hi" else TEMPLATES_EN)
        if roll < 0.40:
            found.append((template.format(keyword), lang))
        elif roll < 0.65:
            found.append((template.format(typo(rng, keyword)), lang))
        elif roll < 0.90:
            found.append((rng.choice(CHATTER), rng.choice(LANGUAGES)))
        else:
            filler = " ".join(
                rng.choice(EN_WORDS + HI_WORDS) for _ in range(rng.randint(150, 1500))
            )
            found.append((f"{filler} {keyword}"[:10_000], lang))
    return found


def latencies_us(
    run: Callable[[str, str], object], sample: Sequence[tuple[str, str]]
) -> list[float]:
    timings = []
    for text, lang in sample:
        started = time.perf_counter_ns()
        run(text, lang)
        timings.append((time.perf_counter_ns() - started) / 1000)
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def naive_matcher(faq: Faq) -> Callable[[str, str], object]:
    """Every keyword scored with WRatio in a Python loop, nothing precomputed.

    It gets the same input window as FaqIndex (MAX_INPUT_CHARS) so the comparison is
    about matching, not about how much text is read.
    """
    entries = faq.entries

    def match(text: str, language: str) -> object:
        query = text[:MAX_INPUT_CHARS].lower()
        best: tuple[float, str] | None = None
        for entry in entries:
            for keywords in entry.keywords.values():
                for keyword in keywords:
                    score = fuzz.WRatio(query, keyword.lower())
                    if score >= 85 and (best is None or score > best[0]):
                        best = (score, entry.id)
        return best

    return match


def measure(
    name: str, run: Callable[[str, str], object], sample: list[tuple[str, str]], repetitions: int
) -> tuple[float, float]:
    """Median over repetitions of p50 and p99 (µs); prints and returns them."""
    runs = [latencies_us(run, sample) for _ in range(repetitions)]
    p50 = statistics.median(percentile(r, 0.50) for r in runs)
    p99 = statistics.median(percentile(r, 0.99) for r in runs)
    print(
        f"  {name:<28} p50 {p50:9.1f} µs   p99 {p99:9.1f} µs"
        f"   ({len(sample)} queries x{repetitions})"
    )
    return p50, p99


def bench(faq: Faq, rng: random.Random, count: int, baseline_count: int, repetitions: int) -> None:
    print(f"{faq.name}: {len(faq.keywords())} keywords")
    started = time.perf_counter()
    index = FaqIndex.build(faq.entries, LANGUAGES)
    print(f"  index build                  {(time.perf_counter() - started) * 1000:.1f} ms")
    sample = queries(rng, faq, count)
    fast = measure("FaqIndex.match", index.match, sample, repetitions)
    slow = measure("naive WRatio loop", naive_matcher(faq), sample[:baseline_count], 3)
    print(
        f"  speed-up (naive / FaqIndex)  p50 x{slow[0] / fast[0]:.1f}"
        f"   p99 x{slow[1] / fast[1]:.1f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=5000, help="queries per FAQ")
    parser.add_argument(
        "--baseline-queries", type=int, default=200, help="of those, for the baseline"
    )
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(SEED)
    started = time.perf_counter()
    shipped = shipped_faq()
    if shipped is not None:
        bench(shipped, rng, args.queries, args.baseline_queries, args.repetitions)
    bench(synthetic_faq(rng, 500), rng, args.queries, args.baseline_queries, args.repetitions)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
