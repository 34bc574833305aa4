"""What staff read when something needs a person: alerts, failed-delivery notices, the digest.

All staff alert wording is here (the staff commands' wording is in core/texts/staff.py);
every function returns safe HTML for Telegram and never includes a patient's name.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.case_kinds import case_kind
from core.statuses import EscalationKind
from core.texts.staff import staff_member

MESSAGE_LIMIT = 4096  # Telegram's limit on one message

MAX_IDS = 20  # ids listed per digest line; the count is always complete

ALERT_FOOTER = "\n\n<i>Reply to this message to answer the patient.</i>"
ALERT_FOOTER_TOPIC = (
    "\n\n<i>Write in this topic to answer the patient; start a line with ! for a note "
    "that stays here.</i>"
)
# The same case shown anywhere but on its card (/case, in a private chat or not): the
# patient is answered from the card or the topic, never from this copy.
ALERT_FOOTER_ELSEWHERE = (
    "\n\n<i>To answer the patient, reply to the case's card in the staff group (or write "
    "in the patient's topic there).</i>"
)
# A later message of a patient whose case is still open: posted under this heading.
ALERT_JOINED = "➕ <b>Joins case #{case_id}</b> · patient #{patient_id}"

# Card buttons (the case id travels in the callback data: bot/callbacks.py).
BUTTON_ACKNOWLEDGE = "👀 Acknowledge"
BUTTON_RESOLVE = "✅ Resolve"
BUTTON_ASSIGN = "🙋 Assign to me"


def staff_name(user_id: int | None, names: Mapping[int, str] | None = None) -> str:
    """How a staff member is shown on a card (safe HTML): their name and @username as the
    bot last saw them ("Anita (@anita_k)"); "the team" when nobody is named."""
    if user_id is None:
        return "the team"
    return html.escape(staff_member(user_id, names or {}))


def case_status_lines(
    *, status: str, acknowledged_by: int | None, acknowledged_at: str | None,
    resolved_by: int | None, resolved_at: str | None, assigned_to: int | None,
    raised_at: str | None = None, closed_reason: str | None = None,
    names: Mapping[int, str] | None = None,
) -> str:
    """The card's status block ("" while open, unassigned and never raised again); times
    already formatted. `raised_at`: something urgent joined and made the case urgent again
    (it is open again until someone acknowledges it); `closed_reason` "erased": closed
    because the patient erased their data; `names` how each staff member is shown
    (services.staff_directory.display_names)."""
    lines = []
    if raised_at is not None:
        lines.append(f"🔁 Urgent again since {raised_at}")
    if acknowledged_at is not None:
        lines.append(
            f"👀 Acknowledged by {staff_name(acknowledged_by, names)} at {acknowledged_at}")
    if assigned_to is not None:
        lines.append(f"🙋 Assigned to {staff_name(assigned_to, names)}")
    if status == "resolved" and resolved_at is not None:
        if closed_reason == "erased":
            lines.append(f"🗑 Closed at {resolved_at}: the patient erased their data; the "
                         "bot can no longer reach them")
        else:
            lines.append(f"✅ Resolved by {staff_name(resolved_by, names)} at {resolved_at}")
    return "\n\n" + "\n".join(lines) if lines else ""


TOPIC_NAME_LIMIT = 128  # Telegram's limit on a forum topic's name


def topic_name(patient_id: int, label: str | None, procedure: str | None) -> str:
    """A patient's forum topic in the staff chat: "#12 · A.K. · Micro mesotherapy (face)";
    only "#12" once the patient erased their data. Plain text (names are not parsed)."""
    parts = [f"#{patient_id}", *(" ".join(p.split()) for p in (label, procedure) if p)]
    name = " · ".join(parts)
    return name if len(name) <= TOPIC_NAME_LIMIT else name[: TOPIC_NAME_LIMIT - 1] + "…"


_TOPIC_PATIENT = re.compile(r"#([0-9]{1,10})(?: ·|$)")


def patient_in_topic_name(name: str) -> int | None:
    """The patient a topic named by `topic_name` is for ("#12 · ..." -> 12), else None."""
    found = _TOPIC_PATIENT.match(name.strip())
    return int(found.group(1)) if found else None


# The case a post of ours is about, read back from its first line (its heading, always
# ours: the patient's words only ever follow it): a card "🚨 Red flag · #12", a joined
# message "➕ Joins case #12 · ...", a re-announcement "... · case #12".
_POST_CASE = re.compile(r"(?:[Cc]ase #|· #)([0-9]{1,10})\b")


def case_in_post(text: str) -> int | None:
    """The case id in the first line of one of our staff-chat posts (visible text)."""
    found = _POST_CASE.search(text.split("\n", 1)[0])
    return int(found.group(1)) if found else None


# Short notices in a patient's topic (ids only).
PATIENT_NOTICES = {
    "joined": "🟢 Patient #{patient_id} joined: {procedure}.",
    "declined": "⚪ Patient #{patient_id} declined the invitation.",
    "stopped": "⏹ Patient #{patient_id} stopped the messages.",
    "forgot": "🗑 Patient #{patient_id} erased their data; this topic is closed.",
    "confirmed": "✅ Patient #{patient_id} confirmed their session on {procedure}.",
    "course_finished": "🏁 Patient #{patient_id} says they have finished their course "
                       "({procedure}).",
    "book_self": "📅 Patient #{patient_id} will book their next session themselves "
                 "({procedure}).",
}

# What a course's answers put on a case for staff (the patient pressed a button, so these
# stand for their words; ids and the procedure's name only).
RECALL_CALL_WORDS = ("Please call me to book my next session of {procedure} (after session "
                     "{number}).")
OUTCOME_WORDS = "{score} out of 5 for the result of {procedure}."
OUTCOME_COMMENT_WORDS = "Comment on the result ({score}/5): {comment}"
PHOTO_WORDS = "Photo check-in: swollen {swollen}, pain {pain}/{top}"


def compose_photo_caption(
    *, patient_id: int, label: str | None, procedure: str, session: int, day: int | None,
    swollen: bool, pain: int, top: int,
) -> str:
    """A photo check-in's staff-chat caption (safe HTML, far under Telegram's 1,024
    characters): who, which session and day, and the two answers."""
    who = f" · {html.escape(label[:60])}" if label else ""
    when = f", day {day}" if day is not None else ""
    return (f"📷 <b>Photo check-in</b> · patient #{patient_id}{who}\n"
            f"{html.escape(procedure)}, session {session}{when}\n"
            f"Swollen: <b>{'yes' if swollen else 'no'}</b> · Pain: <b>{pain}/{top}</b>")


# The note on an unreachable case: what staff should do (PRODUCT.md 3.6, no patient lost).
UNREACHABLE_NOTE = (
    "Telegram refuses our messages to this patient: they blocked the bot or deleted their "
    "account. Nothing more reaches them through the bot. Please call them (use the number "
    "in the clinic's own records) to check how they are and whether they want to go on."
)


def away_from_card(card: str) -> str:
    """A card's text for showing elsewhere (/case): its footer says where to answer."""
    for footer in (ALERT_FOOTER_TOPIC, ALERT_FOOTER):
        if footer in card:
            return card.replace(footer, ALERT_FOOTER_ELSEWHERE, 1)
    return card


# A chat that is already a patient accepted another record's invitation (services/
# onboarding.py): staff decide.
BUTTON_MERGE = "➕ Add to #{patient_id}"
BUTTON_APART = "↔️ Keep apart"
JOIN_MERGED = (
    "✅ Added to patient #{patient_id} by {who}: the new procedure's plan has started there; "
    "record #{invited_id} is closed as merged."
)
JOIN_APART = (
    "↔️ Kept apart by {who}: patient #{patient_id} is unchanged, and #{invited_id} still "
    "waits to join: <code>/invite {invited_id}</code> makes a new link for their own "
    "Telegram."
)
JOIN_ALREADY = "This was already decided."
JOIN_GONE = (
    "Nothing was changed: the invitation or patient #{patient_id} changed meanwhile "
    "(see /patient {patient_id})."
)


def compose_join_question(*, patient_id: int, patient_label: str | None, invited_id: int,
                          invited_label: str | None, procedure: str, session: str) -> str:
    """The question to staff about a held acceptance (safe HTML; labels are staff's own)."""
    def named(label: str | None) -> str:
        return f" {html.escape(label)}" if label else ""

    return (
        f"🔁 <b>Returning patient?</b> The invitation for patient #{invited_id}"
        f"{named(invited_label)} ({html.escape(procedure)}, session {html.escape(session)}) "
        f"was accepted in a chat that is already patient #{patient_id}.\n"
        f"This chat is patient #{patient_id}{named(patient_label)}: add the new procedure to "
        f"#{patient_id}, or keep them apart?\n"
        "<i>Nothing changes until you choose; the patient is told the clinic is checking.</i>"
    )


def _urgent_name(kind: str) -> str:
    """What an urgent case is called in the ladder's posts (ids only, never the words)."""
    return case_kind(kind).ladder_name or "Urgent case"


def _patient(patient_id: int | None) -> str:
    return f"#{patient_id}" if patient_id is not None else "#?"


def compose_realert(
    *, case_id: int, patient_id: int | None, minutes: float, kind: str = "red_flag",
    card: bool = True,
) -> str:
    """The ladder's re-announcement in the staff chat (ids only). `card`: a card with the
    case's buttons was posted with this run of the ladder (else /case brings them)."""
    how = (f"Press Acknowledge on its card, or send /case {case_id}." if card
           else f"Send /case {case_id}: the answer carries the Acknowledge button.")
    return (
        f"⏰ <b>{_urgent_name(kind).capitalize()} not acknowledged</b> · case #{case_id}\n"
        f"Patient {_patient(patient_id)}: nobody has acknowledged it for {minutes:g} min. "
        + how
    )


def compose_page(
    *, case_id: int, patient_id: int | None, minutes: float, kind: str = "red_flag",
    page: int = 1,
) -> str:
    """The private page to each on-call staff member (ids only); `page` counts them, from
    1 (the first, at escalation.ack_minutes)."""
    again = f" (page {page})" if page > 1 else ""
    return (
        f"📟 <b>On call: {_urgent_name(kind).lower()} not acknowledged</b>{again} · "
        f"case #{case_id}\n"
        f"Patient {_patient(patient_id)}, waiting {minutes:g} min. Send /case {case_id} here "
        "to see it and acknowledge it (its buttons work here too), or press Acknowledge on "
        "its card in the staff chat."
    )


def compose_erased_card(*, case_id: int, patient_id: int | None) -> str:
    """A case's card once the patient erased their data: no words, no label, no buttons."""
    return (
        f"🗑 <b>Case #{case_id}</b> · patient {_patient(patient_id)}\n"
        "Details erased at the patient's request. The case is closed: the bot can no longer "
        "reach the patient."
    )


def compose_erased_urgent(*, case_id: int, patient_id: int | None, kind: str) -> str:
    """Told to staff once when a patient erases their data while an urgent case of theirs
    is unresolved: the ladder stops, and nobody can reach them through the bot now."""
    return (
        f"🗑 <b>{_urgent_name(kind)} case #{case_id} was still unresolved</b> when patient "
        f"{_patient(patient_id)} erased their data.\n"
        "The bot can no longer reach the patient, so it stopped paging on-call and closed "
        "the case. If the clinic has another way to contact them, use it."
    )


def compose_erased_post(*, patient_id: int | None) -> str:
    """What every other post about a patient becomes once they erased their data (a joined
    message, a notice, a re-announcement); also the caption left on a copy of their media
    that Telegram would not let the bot delete."""
    return f"🗑 <i>Removed: patient {_patient(patient_id)} erased their data.</i>"


def message_link(chat_id: int, message_id: int) -> str | None:
    """A link staff can open to one message of a supergroup (t.me/c/...); None for a basic
    group or a private chat, which have none."""
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


def compose_erasure_leftovers(*, patient_id: int, left: Sequence[tuple[int, int]]) -> str:
    """Told once when Telegram refused to remove some of the bot's posts about an erased
    patient (a copy older than 48 hours cannot be deleted): which ones are left, as links
    where the chat has them, so that an admin deletes them by hand."""
    shown = []
    for chat_id, message_id in left[:MAX_IDS]:
        link = message_link(chat_id, message_id)
        shown.append(f'<a href="{link}">{message_id}</a>' if link else str(message_id))
    more = f" and {len(left) - MAX_IDS} more" if len(left) > MAX_IDS else ""
    return (
        f"🗑 <b>Patient {_patient(patient_id)} erased their data</b>, but Telegram did not let "
        f"the bot remove {len(left)} of its posts about them (a photo or file older than 48 "
        f"hours cannot be deleted by a bot): messages {', '.join(shown)}{more}.\n"
        "Please delete them by hand (an admin of this group can)."
    )


@dataclass(frozen=True, kw_only=True)
class AlertFacts:
    """What an alert says: ids and labels staff gave, and the patient's words (or answer)."""

    kind: EscalationKind
    escalation_id: int
    patient_id: int
    label: str | None
    words: str
    protocol_id: str | None = None
    protocol_name: str | None = None
    enrollment_id: int | None = None
    rule_id: str | None = None


def compose_alert(facts: AlertFacts, *, joined: bool = False, in_topic: bool = False) -> str:
    """The alert as safe HTML, within Telegram's limit (the patient's words cut if needed).
    `joined`: a later message of an open case, not its card; `in_topic`: posted in the
    patient's forum topic (staff answer by writing there)."""
    if joined:
        return _joined(facts, in_topic=in_topic)
    footer = ALERT_FOOTER_TOPIC if in_topic else ALERT_FOOTER
    row = case_kind(facts.kind)
    lines = [row.heading + f" · #{facts.escalation_id}"]
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
    return head + _quoted(facts.words, row.words, len(head) + len(footer)) + footer


def _joined(facts: AlertFacts, *, in_topic: bool) -> str:
    """A later message of a case, short: in the patient's topic everything else is above
    it; in a chat without topics it names the patient (and answers the staff reply it
    is posted under)."""
    head = ALERT_JOINED.format(case_id=facts.escalation_id, patient_id=facts.patient_id)
    if not in_topic and facts.label:
        head += f": {html.escape(facts.label)}"
    lines = [head]
    row = case_kind(facts.kind)
    if row.changes_case:
        lines.append(row.heading)
        if facts.rule_id:
            lines.append(f"Rule: <code>{html.escape(facts.rule_id)}</code>")
    elif facts.kind == EscalationKind.MEDIA:
        lines.append(row.heading)
    head_text = "\n".join(lines) + "\n"
    return head_text + _quoted(facts.words, "", len(head_text))


def _quoted(words: str, heading: str, used: int) -> str:
    """The patient's words as a quote within what is left of Telegram's limit."""
    room = MESSAGE_LIMIT - used - len(heading) - 64
    words = words if len(words) <= room else words[: room - 1] + "…"
    body = f"{heading}<blockquote>{html.escape(words, quote=False)}</blockquote>"
    # Escaping can grow the words (& -> &amp;); cut again on the escaped form if it did.
    while used + len(body) > MESSAGE_LIMIT and len(words) > 1:
        words = words[: len(words) * 9 // 10] + "…"
        body = f"{heading}<blockquote>{html.escape(words, quote=False)}</blockquote>"
    return body


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

    @property
    def stale_cases(self) -> Sequence[tuple[int, int | None, str]]: ...

    @property
    def not_joined(self) -> Sequence[tuple[int, object]]: ...


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
    stale = report.stale_cases
    if stale:
        lines.append(f"⏳ Open cases older than a day: {len(stale)}")
        for case_id, about, kind in stale[:MAX_IDS]:
            lines.append(f"  case #{case_id} ({html.escape(kind)}), patient #{about}")
        if len(stale) > MAX_IDS:
            lines.append(f"  and {len(stale) - MAX_IDS} more: /cases")
    failures = report.failed_messages
    lines.append(f"Failed messages: {len(failures)}")
    if failures:
        lines.append(f"  patients {_ids(sorted({p for _m, p in failures if p is not None}))}")
    lines.append(f"Opt-outs: {len(report.opt_outs)}")
    if report.opt_outs:
        lines.append(f"  patients {_ids(list(report.opt_outs))}")
    waiting = report.not_joined
    if waiting:
        lines.append(f"📨 Not joined yet (invite not opened in time): {len(waiting)}")
        lines.append(f"  patients {_ids([patient for patient, _at in waiting])}: call them, "
                     "or give them a new link (/invite &lt;id&gt;, or the console's Today)")
    lines.append("Use /patient &lt;id&gt; for details.")
    return "\n".join(lines)


def compose_unconfirmed(
    *, day: str, total: int, rows: Sequence[tuple[int, str, bool]]
) -> str:
    """The evening list (jobs/unconfirmed.py): tomorrow's sessions without a confirmation,
    as (patient id, time, asked to change) rows; ids and times only."""
    lines = [f"📅 <b>Tomorrow ({html.escape(day)}): {len(rows)} of {total} session(s) not "
             "confirmed</b>"]
    for patient_id, at, change in rows[:MAX_IDS * 2]:
        note = " · asked to change it" if change else ""
        lines.append(f"  {html.escape(at)} · patient #{patient_id}{note}")
    if len(rows) > MAX_IDS * 2:
        lines.append(f"  and {len(rows) - MAX_IDS * 2} more: see Today in the console")
    lines.append("Call them to check, or see Today in the console.")
    return "\n".join(lines)
