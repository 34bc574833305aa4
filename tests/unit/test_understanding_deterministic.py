"""The same message gets the same decision in every process: the outcome, the rule that
names the case (and so its urgent reply) and the words on the staff card. Python orders
sets of strings by a per-process hash seed; nothing the decision says may follow it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Prints one digest of every decision on the corpus's development parts (3 kinds of
# finding per message: outcome, rule, what was matched).
PROGRAM = """
import hashlib
from bench.understanding import build_decider, load_corpus, load_shipped
from core.triage import Situation
decide, assess, _ = build_decider(load_shipped())
digest = hashlib.sha256()
for item in load_corpus(("dev4", "dev5", "dev6")):
    result = decide(item)
    verdict = assess(item)
    digest.update(repr((item.text, result.outcome, result.entry_id, result.why,
                        verdict.rule_id, verdict.matched)).encode())
print(digest.hexdigest())
"""


def _digest(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(  # noqa: S603 - our own interpreter running our own code
        [sys.executable, "-c", PROGRAM], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300, check=True)
    return done.stdout.strip()


def test_decisions_do_not_depend_on_the_hash_seed() -> None:
    """Before, phrases starting at one word came out in the order of a set of spellings:
    "dukhti + dukhta + दुख" in one process, "दुख + dukhta + dukhti" in another."""
    digests = {_digest(seed) for seed in ("1", "2", "3")}
    assert len(digests) == 1
    assert len(next(iter(digests))) == len(hashlib.sha256().hexdigest())
