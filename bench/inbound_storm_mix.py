"""The inbound storm's messages: who sends what, and when (seeded, reproducible).

The mix is what a clinic sees when everyone answers a check-in at once: small talk (some of
it stickers), FAQ questions with the typos of `tests/corpus/` (English and romanised Hindi),
red flags from the same corpus, photos (a quarter of them with a red-flag caption) and
questions nothing in the FAQ answers. Send times are spread uniformly over the storm.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
# "since monday": the corpus assumes a Friday (its README); such a label holds on some days.
WEEKDAY = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)

SMALL_TALK = ("ok", "thanks", "👍", "thank you doctor 🙏", "okay noted", "thank u",
              "fine", "ok thanks", "👌", "good morning")
STICKER_EMOJI = ("👍", "🙏", "😊")
UNANSWERABLE = (
    "can my husband come with me next time",
    "do you have parking near the clinic",
    "which brand was the serum you used on me",
    "is the clinic open on diwali",
    "can i pay the rest by upi",
    "who was the doctor who did my session, i forgot her name",
    "can i get a receipt for my insurance",
    "is there a student discount for the next package",
    "my friend wants to come too, do you take walk ins",
    "do you also do laser hair removal",
)
NEUTRAL_CAPTIONS = ("day 2, does this look ok?", "this is how it looks today", "")
# Shares of the storm (they add up to 1).
SHARES = (("smalltalk", 0.35), ("sticker", 0.05), ("faq", 0.30), ("red_flag", 0.10),
          ("photo", 0.05), ("photo_red_flag", 0.025), ("photo_caption", 0.025),
          ("unanswerable", 0.10))


@dataclass(frozen=True, kw_only=True)
class Send:
    """One patient's one message: `kind` (a SHARES name), its text or caption, and when
    (seconds after the storm starts) it is handed to the fake Bot API."""

    index: int
    kind: str
    text: str
    at: float

    @property
    def red_flag(self) -> bool:
        return self.kind in ("red_flag", "photo_red_flag")


def corpus_texts(kind: str, files: tuple[str, ...] = ("en", "hinglish")) -> list[str]:
    """Texts of one corpus kind (tests/corpus/README.md) from the given language files,
    only those labelled for any day of the face protocol: the storm's patients are on it,
    one day after their session, on whatever weekday the benchmark runs."""
    texts = []
    for name in files:
        with (CORPUS / f"{name}.toml").open("rb") as handle:
            for item in tomllib.load(handle).get("message", []):
                plain = set(item) <= {"text", "kind", "faq"}
                if item.get("kind") == kind and plain and not WEEKDAY.search(item["text"]):
                    texts.append(str(item["text"]))
    if not texts:
        raise RuntimeError(f"no {kind!r} messages in {CORPUS}")
    return texts


def storm(patients: int, seconds: float, seed: int = 2026) -> list[Send]:
    """`patients` sends (one per patient, patient i sends sends[i]), kinds in SHARES
    proportions (rounded, shuffled), times uniform over `seconds`, in time order."""
    rng = random.Random(seed)
    faq, red = corpus_texts("faq"), corpus_texts("red_flag", ("en",))
    counts = {kind: round(share * patients) for kind, share in SHARES}
    counts["smalltalk"] += patients - sum(counts.values())
    kinds = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(kinds)
    texts = {
        "smalltalk": SMALL_TALK, "sticker": STICKER_EMOJI, "faq": faq, "red_flag": red,
        "photo": ("",), "photo_red_flag": red, "photo_caption": NEUTRAL_CAPTIONS,
        "unanswerable": UNANSWERABLE,
    }
    times = sorted(rng.uniform(0, seconds) for _ in range(patients))
    return [Send(index=i, kind=kind, text=rng.choice(texts[kind]), at=at)
            for i, (kind, at) in enumerate(zip(kinds, times, strict=True))]


def describe(sends: list[Send]) -> str:
    """"350 smalltalk, 50 sticker, ..." in SHARES order."""
    counts = Counter(send.kind for send in sends)
    return ", ".join(f"{counts[kind]} {kind}" for kind, _ in SHARES if counts[kind])
