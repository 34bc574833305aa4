"""What each kind of case is, for everyone who shows one: one row per EscalationKind.

The card's heading, the short label of lists (/cases, /case, /stats, the console's badge),
Today's order, the badge's tone, what the quoted words on the card are, whether a later
message of this kind changes what the case is about, and the name the ladder's posts use.
Adding a case kind is adding its member in core/statuses.py and its row here; the table is
checked complete when this module is imported (and by tests/unit/test_kind_registries.py),
so a kind without a row fails at start-up instead of falling back to "Alert".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from core.statuses import EscalationKind

Tone = Literal["danger", "warn", "info", "muted"]  # the console's badge colours


@dataclass(frozen=True, kw_only=True)
class CaseKind:
    heading: str  # the card's first line (safe HTML)
    label: str  # short, with its emoji: /cases, /case, /stats
    badge: str  # the console's badge text
    tone: Tone
    urgency: int  # Today lists cases by this, lowest first, then oldest first
    words: str = "Their words:\n"  # what the card quotes
    # A later message of this kind repeats its heading under "Joins case #…": it changes
    # what the case is about (a red flag in a case about parking).
    changes_case: bool = False
    # Urgent kinds only: what the ladder's re-alerts and pages call the case (ids only).
    ladder_name: str | None = None


CASE_KINDS: Mapping[EscalationKind, CaseKind] = {
    EscalationKind.RED_FLAG: CaseKind(
        heading="🚨 <b>Red flag</b>", label="🚨 red flag", badge="red flag", tone="danger",
        urgency=0, changes_case=True, ladder_name="Red flag",
    ),
    EscalationKind.CHECKIN: CaseKind(
        heading="⚠️ <b>Check-in answer needs attention</b>", label="⚠️ check-in",
        badge="check-in", tone="warn", urgency=1, words="Answer:\n", changes_case=True,
        ladder_name="Worrying check-in answer",
    ),
    EscalationKind.UNREACHABLE: CaseKind(
        heading="📵 <b>The bot can no longer reach this patient</b>", label="📵 unreachable",
        badge="unreachable", tone="danger", urgency=2, words="What happened:\n",
        changes_case=True,
    ),
    EscalationKind.DELIVERY: CaseKind(
        heading="📮 <b>A message could not be delivered</b>", label="📮 delivery",
        badge="delivery", tone="danger", urgency=3,
    ),
    EscalationKind.OUTCOME: CaseKind(
        heading="😞 <b>Unhappy with the result</b>", label="😞 outcome", badge="outcome",
        tone="warn", urgency=4, words="Their answer:\n",
    ),
    EscalationKind.HANDOFF: CaseKind(
        heading="❓ <b>Question for the team</b>", label="❓ question", badge="question",
        tone="info", urgency=5,
    ),
    EscalationKind.BOOKING: CaseKind(
        heading="📅 <b>Booking: the patient asks about their next session</b>",
        label="📅 booking", badge="booking", tone="info", urgency=6,
        words="Their request:\n", changes_case=True,
    ),
    EscalationKind.MEDIA: CaseKind(
        heading="📎 <b>Photo, voice note or file from the patient</b>", label="📎 media",
        badge="media", tone="info", urgency=7,
    ),
    EscalationKind.MESSAGE: CaseKind(
        heading="💬 <b>Message from the patient</b>", label="💬 message", badge="message",
        tone="muted", urgency=8,
    ),
}

_MISSING = set(EscalationKind) - set(CASE_KINDS)
if _MISSING:  # pragma: no cover - a programming error, caught at import
    raise RuntimeError(f"core/case_kinds.py: no row for case kind(s) {sorted(_MISSING)}")


def case_kind(kind: str) -> CaseKind:
    """The row of `kind` (an EscalationKind or its value, as stored)."""
    return CASE_KINDS[EscalationKind(kind)]
