"""What a patient sends: free text (red flags, FAQ, hand-off) and check-in answers.

One call per patient input: each entry point (`handle_text`, `answer_checkin`, and
services/inbox_media.py) decides and stores in one transaction what the patient sent and
the case it opens or joins (`store_alert`), and returns what was stored and what to reply,
so the Telegram handlers only render. Replies that carry content come as safe HTML; everything
else is a `kind` the handler renders from the patient texts. What a message needs is
decided by core.understanding (red flags first, with the day since the session; then
small talk; then the FAQ scoped to the patient's protocols).

Decisions:
- A stranger (no enrollment) gets "ask your clinic for an invite"; if the words are a red
  flag they get the urgent reply too (it only says how to reach help), but no staff
  alert: we keep nothing about people who never joined.
- Stopped or unreachable patients get "messages are off, here is the clinic's contact";
  a red flag still gets the urgent reply and still alerts staff, a doubtful one still
  reaches the team as a normal case.
- A doubtful red flag ("is fever normal?", "still swollen" with no day known), or the
  patient's own symptom or distress that is no red flag (a lump, pain 5/10, 😰), gets a
  calm "I've asked the team to look at this" and a hand-off alert (kind handoff, rule
  `doubtful:<rule>`, what was found on the card), never silence; plus the FAQ answer when
  one fits. A request (reschedule, cancel, call me) gets "passed to the team" and a
  hand-off alert (rule `request`), no FAQ answer.
- The urgent reply is the red-flag rule's own (breathing, allergic swelling and fainting
  lead with the emergency route); the bot adds that the team was alerted only once the
  alert is stored, and never to a stranger (no alert is raised for them).
- Swelling, bruising or redness within the protocol's `settle_days` gets the lasting
  rule's reassuring reply; small talk a short answer; neither alerts anyone.
- Close confident FAQ candidates: "did you mean" buttons and no case (the patient picks).
  Only weak candidates: the buttons and a hand-off to staff (no question left hanging).
- Devanagari from a patient whose language is another clinic language: the reply is in
  Hindi and the bot offers to switch (`offer_language`).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from core.content import DEFAULT_SETTLE_DAYS, LocalizedText
from core.language import written_language
from core.plans import render_text
from core.records import EnrollmentRecord, MessageRecord, PatientRecord
from core.statuses import EnrollmentStatus, EscalationKind, MessageKind, PatientStatus
from core.texts.catalog import scripts
from core.texts.patient import ui_language
from core.triage import Situation
from core.understanding import Outcome, Understanding, understand
from services import course
from services.context import AppContext
from services.course import Reply
from services.planning import patient_zone, placeholders
from services.staff_alerts import (
    AlertRequest,
    StaffChatIsForum,
    in_forum,
    raise_alert_in,
    topic_notice_in,
)
from storage.repositories import Repositories, Store

ReplyKind = Literal[
    "urgent", "doubtful", "request", "normal", "faq", "suggest", "handoff", "smalltalk",
    "fine", "stranger", "stopped", "empty", "media", "quiet",
    # A course of treatment (services/course.py, services/photo_checkins.py): the text the
    # bot asked for (a preferred time, a comment; `html` is the reply), a photo check-in
    # started (`photo_checkin_id`: ask "swollen?").
    "awaited", "photo_checkin",
]
# What a patient with an unresolved case writes joins it even when the bot answers it
# itself (an FAQ answer, "ok", "thanks"): staff see the whole conversation in order.
JOINS_OPEN_CASE = frozenset({"faq", "normal", "smalltalk", "fine", "suggest"})
FaqHitList = tuple[tuple[str, str], ...]  # (entry id, question in the patient's language)


@dataclass(frozen=True, kw_only=True)
class InboxReply:
    """The reply to free text: its kind, language, content HTML, buttons and alert.

    `offer_language`: the patient wrote in a clinic language other than theirs (Devanagari
    from an English patient): the reply is in it, and the bot offers to switch.
    """

    kind: ReplyKind
    language: str
    html: str = ""  # content already rendered as safe HTML (urgent reply, FAQ answer)
    suggestions: FaqHitList = ()
    alert: AlertRequest | None = None
    also_stranger: bool = False  # urgent reply to a stranger: add the invite hint
    offer_language: str | None = None
    photo_checkin_id: int | None = None
    # The alert's case row is written (opened or joined) in the transaction that stored
    # the message: only then may the patient be told the team knows (`team_alerted`).
    alerted: bool = False


CheckinStatus = Literal["recorded", "already", "stale"]


@dataclass(frozen=True, kw_only=True)
class CheckinOutcome:
    """The result of pressing a check-in button."""

    status: CheckinStatus
    language: str
    question_html: str = ""  # the check-in message as sent (safe HTML)
    answer: str = ""  # the chosen option's label (plain text)
    alert: AlertRequest | None = None
    # A course's buttons (confirmation, recall, outcome): what to send after the alert is
    # stored, and a notice for the patient's topic (services/course.py).
    course: bool = False
    replies: tuple[Reply, ...] = ()
    alerted: bool = False  # the alert's case row is written, with the answer


def _render(ctx: AppContext, text: LocalizedText, language: str) -> str:
    """A content text in `language` with placeholders, as safe HTML."""
    raw = render_text(
        text,
        language=language,
        default_language=ctx.settings.clinic.default_language,
        placeholders=placeholders(ctx.settings, language),
    )
    return html.escape(raw, quote=False)


def faq_answer(ctx: AppContext, entry_id: str, language: str) -> str | None:
    """An FAQ entry's answer as safe HTML (question in bold), or None if there is none."""
    for entry in ctx.content.faq:
        if entry.id == entry_id:
            return f"<b>{_render(ctx, entry.question, language)}</b>\n\n" + _render(
                ctx, entry.answer, language
            )
    return None


def faq_topics(
    ctx: AppContext, language: str, protocols: Collection[str] | None = None,
    group: str | None = None,
) -> FaqHitList:
    """The listed FAQ entries for a patient of `protocols` (None: everyone's) as (id,
    question in `language`), in content order; only those of `group` when given."""
    default = ctx.settings.clinic.default_language
    return tuple(
        (entry.id, entry.question.get(language, default))
        for entry in ctx.content.faq
        if entry.listed and entry.applies_to(protocols) and (group is None or entry.group == group)
    )


def faq_groups(
    ctx: AppContext, language: str, protocols: Collection[str] | None = None
) -> FaqHitList:
    """The /faq headings that list something for this patient, as (group id, name); empty
    when the FAQ has no groups (then /faq lists the questions themselves). Entries without
    a group come last, under OTHER_GROUP."""
    default = ctx.settings.clinic.default_language
    if not ctx.content.faq_groups:
        return ()
    topics = [e for e in ctx.content.faq if e.listed and e.applies_to(protocols)]
    used = {entry.group for entry in topics}
    groups = tuple(
        (group.id, group.name.get(language, default))
        for group in ctx.content.faq_groups if group.id in used
    )
    return groups + (((OTHER_GROUP, ""),) if None in used else ())


OTHER_GROUP = "-"  # entries without a group, in /faq


def _questions(ctx: AppContext, ids: Sequence[str], language: str) -> FaqHitList:
    default = ctx.settings.clinic.default_language
    found = {entry.id: entry for entry in ctx.content.faq}
    return tuple(
        (entry_id, found[entry_id].question.get(language, default))
        for entry_id in ids if entry_id in found
    )


async def patient_protocols(ctx: AppContext, patient_id: int) -> tuple[str, ...]:
    """The protocols of the patient's active enrollments (for FAQ scope)."""
    async with Store(ctx.sessions) as store:
        enrollments = await store.enrollments.list_for_patient(patient_id)
    return tuple(dict.fromkeys(
        e.protocol_id for e in enrollments if e.status == EnrollmentStatus.ACTIVE
    ))


async def current_enrollment(
    store: Repositories, patient_id: int
) -> EnrollmentRecord | None:
    """The newest active enrollment, else the newest of any status."""
    return _current(await store.enrollments.list_for_patient(patient_id))


def _current(enrollments: Sequence[EnrollmentRecord]) -> EnrollmentRecord | None:
    active = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
    candidates = active or list(enrollments)
    return candidates[0] if candidates else None


def situation(
    ctx: AppContext, patient: PatientRecord, enrollment: EnrollmentRecord | None, now: datetime
) -> Situation:
    """What triage knows besides the words: the patient-local day since the session of
    their current enrollment (None before it or without one), the protocol's day limit,
    and today's weekday."""
    local = now.astimezone(patient_zone(patient.timezone, ctx.settings))
    if enrollment is None:
        return Situation(weekday=local.weekday())
    protocol = ctx.content.protocols.get(enrollment.protocol_id)
    session = enrollment.session_start.astimezone(local.tzinfo).date()
    day = (local.date() - session).days
    return Situation(
        day=day if day >= 0 else None,
        settle_days=protocol.settle_days if protocol else DEFAULT_SETTLE_DAYS,
        weekday=local.weekday(),
    )


def reply_language(text: str, language: str, offered: Collection[str]) -> str:
    """The language to answer `text` in: the clinic language (`offered`) written in its
    script, the patient's own when theirs is (their profile's scripts: romanised Hindi stays
    Hindi, Devanagari from a Marathi patient stays Marathi)."""
    return written_language(text, scripts(offered), language) or language


async def handle_text(
    ctx: AppContext, *, chat_id: int, text: str, fallback_language: str, now: datetime,
    forum: StaffChatIsForum | None = None,
) -> InboxReply:
    """Free text, in one transaction: the reading of it (`read_text`) and the case it opens
    or joins (`store_alert`) commit together; delivery is woken after."""
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        reply, patient = await read_text(store, ctx, chat_id=chat_id, text=text,
                                         fallback_language=fallback_language, now=now)
        reply = await store_alert(store, ctx, reply, now, forum=on_forum)
        if patient is not None:
            await store.patients.touch_activity(patient.id, now)
    if reply.alerted:
        ctx.wake_delivery()
    return reply


async def store_alert(
    store: Repositories, ctx: AppContext, reply: InboxReply, now: datetime, *, forum: bool
) -> InboxReply:
    """The reply with its alert raised in the caller's transaction (services/staff_alerts.py
    `raise_alert_in`): `alerted` once the case row is written; `alert` None when it was
    only to join a case and the patient has none."""
    if reply.alert is None:
        return reply
    case = await raise_alert_in(store, ctx, reply.alert, now, forum=forum)
    if case is None:
        return replace(reply, alert=None)
    return replace(reply, alerted=True)


async def read_text(
    store: Repositories, ctx: AppContext, *, chat_id: int, text: str, fallback_language: str,
    now: datetime, awaited_ok: bool = True,
) -> tuple[InboxReply, PatientRecord | None]:
    """Red flags first, then small talk, then the FAQ, else a hand-off to staff
    (core.understanding decides; this says what to alert). Text the bot asked for (a
    preferred time for a booking, a comment on the result: services/course.py) is taken as
    that, unless it is a red flag (`awaited_ok` False: a caption, never taken so). Returns
    the reply and the chat's patient, whose activity the caller touches last: reads first,
    writes last, so on SQLite the write lock is held only from the first write."""
    awaited = None
    patient = await store.patients.by_chat_id(chat_id)
    enrollment = None
    protocols: tuple[str, ...] | None = None
    if patient is not None:
        if awaited_ok and patient.status == PatientStatus.ACTIVE and text.strip():
            awaited = await course.awaited_text(store, patient.id, now)
        enrollments = await store.enrollments.list_for_patient(patient.id)
        enrollment = _current(enrollments)
        protocols = tuple(dict.fromkeys(
            e.protocol_id for e in enrollments if e.status == EnrollmentStatus.ACTIVE
        )) or None
    own = patient.language if patient is not None else fallback_language
    language = reply_language(text, own, ctx.settings.clinic.languages)
    offer = language if patient is not None and language != own else None
    found = understand(
        text, triage=ctx.triage, faq=ctx.faq, language=language,
        situation=situation(ctx, patient, enrollment, now) if patient is not None else None,
        protocols=protocols, info_faq=ctx.content.red_flags.info_faq,
    )
    if patient is None:
        return _reply(ctx, found, patient, enrollment, text, language), None
    # A red flag goes the urgent way (the wish or comment is still awaited); so does an
    # "ok" or an emoji in place of a preferred time, and a symptom, worry or request in
    # place of a comment on the result: that needs a person, not a note.
    if awaited is not None and found.outcome in (
            (Outcome.SMALLTALK, Outcome.EMPTY) if awaited.booking is not None
            else (Outcome.DOUBTFUL, Outcome.REQUEST)):
        awaited = None
    if awaited is not None and found.outcome is not Outcome.URGENT:
        taken = await course.take_text(store, ctx, patient, awaited, text, now)
        if taken is not None:
            return InboxReply(kind="awaited", language=ui_language(patient.language),
                              html=taken[0], alert=taken[1]), patient
    reply = _reply(ctx, found, patient, enrollment, text, language)
    if (reply.alert is None and patient.status == PatientStatus.ACTIVE
            and reply.kind in JOINS_OPEN_CASE):
        # Joins the patient's unresolved case, if any (a MESSAGE never opens one).
        reply = replace(reply, alert=AlertRequest(
            kind=EscalationKind.MESSAGE, patient=patient, enrollment=enrollment, words=text,
        ))
    if offer and reply.kind != "stranger":
        reply = replace(reply, offer_language=offer)
    return reply, patient


RULE_LIMIT = 100  # escalations.rule_id


def explained(rule_id: str | None, matched: str) -> str | None:
    """The case's rule as staff read it on the card: what fired and what it matched,
    "infection (chills + 102°F)" (content words and numbers, never the patient's text)."""
    if rule_id is None or not matched:
        return rule_id
    text = f"{rule_id} ({matched})"
    return text if len(text) <= RULE_LIMIT else text[: RULE_LIMIT - 2] + "…)"


def _reply(
    ctx: AppContext, found: Understanding, patient: PatientRecord | None,
    enrollment: EnrollmentRecord | None, text: str, language: str,
) -> InboxReply:
    if found.outcome is Outcome.URGENT:
        urgent = _render(ctx, ctx.content.red_flags.reply_for(found.rule_id), language)
        if patient is None:
            return InboxReply(kind="urgent", language=language, html=urgent, also_stranger=True)
        alert = AlertRequest(kind=EscalationKind.RED_FLAG, patient=patient,
                             enrollment=enrollment, words=text,
                             rule_id=explained(found.rule_id, found.matched))
        return InboxReply(kind="urgent", language=language, html=urgent, alert=alert)
    if patient is None:
        return InboxReply(kind="stranger", language=language)
    if found.outcome in (Outcome.DOUBTFUL, Outcome.REQUEST):
        # Never silence: a calm reply, and the team looks at it as a normal case.
        request = found.outcome is Outcome.REQUEST
        rule = "request" if request else explained(
            f"doubtful:{found.rule_id}" if found.rule_id else None, found.matched)
        alert = AlertRequest(kind=EscalationKind.HANDOFF, patient=patient,
                             enrollment=enrollment, words=text, rule_id=rule)
        answer = faq_answer(ctx, found.entry_id, language) if found.entry_id else None
        return InboxReply(kind="request" if request else "doubtful", language=language,
                          html=answer or "", alert=alert)
    if patient.status != PatientStatus.ACTIVE:
        return InboxReply(kind="stopped", language=language)
    handoff = AlertRequest(kind=EscalationKind.HANDOFF, patient=patient, enrollment=enrollment,
                           words=text)
    lasting = ctx.content.red_flags.lasting
    if found.outcome is Outcome.NORMAL and lasting is not None:
        return InboxReply(kind="normal", language=language,
                          html=_render(ctx, lasting.early_reply, language))
    if found.outcome is Outcome.EMPTY:
        return InboxReply(kind="empty", language=language)
    if found.outcome is Outcome.SMALLTALK:
        return InboxReply(kind="smalltalk", language=language)
    if found.outcome is Outcome.FINE:
        return InboxReply(kind="fine", language=language)
    answer = faq_answer(ctx, found.entry_id, language) if found.entry_id else None
    if found.outcome is Outcome.ANSWER and answer is not None:
        return InboxReply(kind="faq", language=language, html=answer,
                          suggestions=_questions(ctx, found.suggestions, language))
    if found.outcome is Outcome.ASK:
        # Close confident candidates: the patient picks. Weak ones: staff see it too.
        return InboxReply(kind="suggest", language=language,
                          suggestions=_questions(ctx, found.suggestions, language),
                          alert=None if found.close_call else handoff)
    return InboxReply(kind="handoff", language=language, alert=handoff)


def _escalates(ctx: AppContext, enrollment: EnrollmentRecord | None, step_id: str,
               option_id: str) -> bool:
    protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
    if protocol is None:
        return False
    for step in protocol.steps:
        if step.id == step_id:
            return any(o.id == option_id and o.escalate for o in step.options)
    return False


def _option_label(message: MessageRecord, option_id: str) -> str | None:
    for option in message.options:
        if option.id == option_id:
            return option.text
    return None


async def answer_checkin(
    ctx: AppContext, *, chat_id: int, message_id: int, option_id: str, now: datetime,
    forum: StaffChatIsForum | None = None,
) -> CheckinOutcome:
    """Store a check-in answer once, and in the same transaction its alert: an escalating
    option opens (or makes urgent) the patient's case, any other answer joins their
    unresolved case. The buttons of a course's messages (a booked session's confirmation,
    the recall, the outcome question) come here too and are answered by services/course.py
    (their case and the notice in the patient's topic stored with the answer)."""
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        outcome = await _answer_checkin(store, ctx, chat_id=chat_id, message_id=message_id,
                                        option_id=option_id, now=now)
        if outcome.alert is not None:
            case = await raise_alert_in(store, ctx, outcome.alert, now, forum=on_forum)
            outcome = replace(outcome, alert=outcome.alert if case else None,
                              alerted=case is not None)
    if outcome.alerted or outcome.course:
        ctx.wake_delivery()  # the case's posts; a course's outcome question asked at once
    return outcome


async def _answer_checkin(
    store: Repositories, ctx: AppContext, *, chat_id: int, message_id: int, option_id: str,
    now: datetime,
) -> CheckinOutcome:
    patient = await store.patients.by_chat_id(chat_id)
    language = patient.language if patient else ctx.settings.clinic.default_language
    message = await store.messages.get(message_id)
    # The button must be one we sent to this very patient (callback data can be forged).
    if (
        patient is None
        or message is None
        or message.kind not in MessageKind.ANSWERED
        or message.patient_id != patient.id
        or message.chat_id != chat_id
    ):
        return CheckinOutcome(status="stale", language=language)
    label = _option_label(message, option_id)
    if label is None:
        return CheckinOutcome(status="stale", language=language)
    if message.kind != MessageKind.CHECKIN:
        done = await course.answer_button(store, ctx, patient, message, option_id, now)
        if done.notice is not None:
            await topic_notice_in(store, ctx, patient.id, done.notice, now,
                                  procedure=done.procedure)
        return CheckinOutcome(
            status=done.status, language=language, question_html=message.text,
            answer=label, alert=done.alert, course=True, replies=done.replies,
        )
    enrollment = (
        await store.enrollments.get(message.enrollment_id) if message.enrollment_id else None
    )
    escalate = _escalates(ctx, enrollment, message.step_id, option_id)
    answer = await store.checkins.record(
        message_id=message.id, patient_id=patient.id, enrollment_id=message.enrollment_id,
        step_id=message.step_id, option_id=option_id, escalated=escalate, now=now,
    )
    if answer is None:
        # Show what was recorded first, not the button pressed second.
        first = await store.checkins.for_message(message.id)
        if first is not None:
            label = _option_label(message, first.option_id) or label
    await store.patients.touch_activity(patient.id, now)
    if answer is None:
        return CheckinOutcome(status="already", language=language,
                              question_html=message.text, answer=label)
    alert = (
        AlertRequest(kind=EscalationKind.CHECKIN, patient=patient, enrollment=enrollment,
                     words=label, rule_id=f"{message.step_id}:{option_id}")
        if escalate
        # Joins an unresolved case, if any: staff see their check-in answers there too.
        else AlertRequest(kind=EscalationKind.MESSAGE, patient=patient, enrollment=enrollment,
                          words=f"Check-in answer: {label}")
    )
    return CheckinOutcome(status="recorded", language=language, question_html=message.text,
                          answer=label, alert=alert)
