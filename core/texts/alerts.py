"""What staff read when something needs a person: alerts, failed-delivery notices, the digest.

All staff alert wording is here (the staff commands' wording is in core/texts/staff.py);
every function returns safe HTML for Telegram and never includes a patient's name.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

MESSAGE_LIMIT = 4096  # Telegram's limit on one message

MAX_IDS = 20  # ids listed per digest line; the count is always complete

ALERT_HEADINGS = {
    "red_flag": "🚨 <b>Red flag</b>",
    "checkin": "⚠️ <b>Check-in answer needs attention</b>",
    "handoff": "❓ <b>Question for the team</b>",
}
ALERT_HEADING_OTHER = "<b>Alert</b>"
ALERT_FOOTER = "\n\n<i>Reply to this message to answer the patient.</i>"


@dataclass(frozen=True, kw_only=True)
class AlertFacts:
    """What an alert says: ids and labels staff gave, and the patient's words (or answer)."""

    kind: str  # an EscalationKind value
    escalation_id: int
    patient_id: int
    label: str | None
    words: str
    protocol_id: str | None = None
    protocol_name: str | None = None
    enrollment_id: int | None = None
    rule_id: str | None = None


def compose_alert(facts: AlertFacts) -> str:
    """The alert as safe HTML, within Telegram's limit (the patient's words cut if needed)."""
    lines = [ALERT_HEADINGS.get(facts.kind, ALERT_HEADING_OTHER) + f" · #{facts.escalation_id}"]
    label = html.escape(facts.label) if facts.label else "<i>no label</i>"
    lines.append(f"Patient #{facts.patient_id}: {label}")
    if facts.protocol_id is not None:
        lines.append(
            f"Procedure: {html.escape(facts.protocol_name or facts.protocol_id)} "
            f"({html.escape(facts.protocol_id)}), enrollment #{facts.enrollment_id}"
        )
    if facts.rule_id:
        lines.append(f"Rule: <code>{html.escape(facts.rule_id)}</code>")
    head = "\n".join(lines) + "\n"
    heading = "Answer" if facts.kind == "checkin" else "Their words"
    room = MESSAGE_LIMIT - len(head) - len(ALERT_FOOTER) - 64
    words = facts.words if len(facts.words) <= room else facts.words[: room - 1] + "…"
    body = f"{heading}:\n<blockquote>{html.escape(words, quote=False)}</blockquote>"
    # Escaping can grow the words (& -> &amp;); cut again on the escaped form if it did.
    while len(head) + len(body) + len(ALERT_FOOTER) > MESSAGE_LIMIT and len(words) > 1:
        words = words[: len(words) * 9 // 10] + "…"
        body = f"{heading}:\n<blockquote>{html.escape(words, quote=False)}</blockquote>"
    return head + body + ALERT_FOOTER


def compose_delivery_failures(
    total: int, message_ids: Sequence[int], reasons: Iterable[str]
) -> str:
    """Failed deliveries: count, message ids and reasons (no names, no texts)."""
    more = total - len(message_ids)
    counted = Counter(reasons)
    reason_text = ", ".join(f"{count}× {reason}" for reason, count in counted.most_common())
    id_text = ", ".join(str(i) for i in message_ids) + (f" and {more} more" if more > 0 else "")
    return (
        f"⚠️ Delivery failed for {total} message(s).\n"
        f"Reasons: {html.escape(reason_text)}\n"
        f"Message ids: {id_text}\n"
        "Check the patients concerned (/patient &lt;id&gt;)."
    )


class DigestFacts(Protocol):
    """The last day's figures (storage.reports.Digest is one)."""

    @property
    def new_enrollments(self) -> Sequence[tuple[int, str]]: ...

    @property
    def open_escalations(self) -> Sequence[tuple[int, int | None, str]]: ...

    @property
    def failed_messages(self) -> Sequence[tuple[int, int | None]]: ...

    @property
    def opt_outs(self) -> Sequence[int]: ...


def _ids(values: Sequence[int | None] | Sequence[int]) -> str:
    shown = [f"#{v}" for v in values[:MAX_IDS] if v is not None]
    more = len(values) - MAX_IDS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def compose_digest(report: DigestFacts) -> str:
    """The digest as safe HTML (ids and protocol ids only)."""
    lines = ["<b>Daily digest</b> (last 24 hours)"]
    enrollments = report.new_enrollments
    lines.append(f"New enrollments: {len(enrollments)}")
    if enrollments:
        by_protocol: dict[str, list[int]] = {}
        for patient_id, protocol_id in enrollments:
            by_protocol.setdefault(protocol_id, []).append(patient_id)
        for protocol_id, patients in sorted(by_protocol.items()):
            lines.append(f"  {html.escape(protocol_id)}: patients {_ids(patients)}")
    escalations = report.open_escalations
    lines.append(f"Open escalations: {len(escalations)}")
    if escalations:
        by_kind: dict[str, list[int | None]] = {}
        for _escalation_id, escalated, kind in escalations:
            by_kind.setdefault(kind, []).append(escalated)
        for kind, escalated_ids in sorted(by_kind.items()):
            lines.append(f"  {html.escape(kind)}: patients {_ids(escalated_ids)}")
    failures = report.failed_messages
    lines.append(f"Failed messages: {len(failures)}")
    if failures:
        lines.append(f"  patients {_ids(sorted({p for _m, p in failures if p is not None}))}")
    lines.append(f"Opt-outs: {len(report.opt_outs)}")
    if report.opt_outs:
        lines.append(f"  patients {_ids(list(report.opt_outs))}")
    lines.append("Use /patient &lt;id&gt; for details.")
    return "\n".join(lines)
