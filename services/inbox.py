"""What a patient sends: free text (red flags, FAQ, hand-off) and check-in answers.

The functions decide and store; they return what to reply and what to alert, so the
Telegram handlers stay thin. Replies that carry content come as safe HTML; everything
else is a `kind` the handler renders from the patient texts.

Decisions:
- A stranger (no enrollment) gets "ask your clinic for an invite"; if the words are a red
  flag they get the urgent reply too (it only says how to reach help), but no staff
  alert: we keep nothing about people who never joined.
- Stopped or unreachable patients get "messages are off, here is the clinic's contact";
  a red flag still gets the urgent reply and still alerts staff.
- With no confident FAQ answer but close candidates, the patient gets the candidates as
  buttons and the question is handed off to staff as well (no question is left hanging).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.content import LocalizedText
from core.plans import render_text
from core.records import EnrollmentRecord, MessageRecord
from core.statuses import EnrollmentStatus, EscalationKind, MessageKind, PatientStatus
from services.context import AppContext
from services.planning import placeholders
from services.staff_alerts import AlertRequest
from storage.repositories import Repositories, Store

ReplyKind = Literal["urgent", "faq", "suggest", "handoff", "stranger", "stopped", "empty"]
FaqHitList = tuple[tuple[str, str], ...]  # (entry id, question in the patient's language)


@dataclass(frozen=True, kw_only=True)
class InboxReply:
    """The reply to free text: its kind, language, content HTML, buttons and alert."""

    kind: ReplyKind
    language: str
    html: str = ""  # content already rendered as safe HTML (urgent reply, FAQ answer)
    suggestions: FaqHitList = ()
    alert: AlertRequest | None = None
    also_stranger: bool = False  # urgent reply to a stranger: add the invite hint


CheckinStatus = Literal["recorded", "already", "stale"]


@dataclass(frozen=True, kw_only=True)
class CheckinOutcome:
    """The result of pressing a check-in button."""

    status: CheckinStatus
    language: str
    question_html: str = ""  # the check-in message as sent (safe HTML)
    answer: str = ""  # the chosen option's label (plain text)
    alert: AlertRequest | None = None


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


def faq_topics(ctx: AppContext, language: str) -> FaqHitList:
    """Every FAQ entry as (id, question in `language`), in content order (for /faq)."""
    default = ctx.settings.clinic.default_language
    return tuple((entry.id, entry.question.get(language, default)) for entry in ctx.content.faq)


def _questions(ctx: AppContext, ids: list[str], language: str) -> FaqHitList:
    topics = dict(faq_topics(ctx, language))
    return tuple((entry_id, topics[entry_id]) for entry_id in ids if entry_id in topics)


async def current_enrollment(
    store: Repositories, patient_id: int
) -> EnrollmentRecord | None:
    """The newest active enrollment, else the newest of any status."""
    enrollments = await store.enrollments.list_for_patient(patient_id)
    active = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
    candidates = active or list(enrollments)
    return candidates[0] if candidates else None


async def handle_text(
    ctx: AppContext, *, chat_id: int, text: str, fallback_language: str, now: datetime
) -> InboxReply:
    """Red flags first, then the FAQ, else a hand-off to staff."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.by_chat_id(chat_id)
        enrollment = None
        if patient is not None:
            enrollment = await current_enrollment(store, patient.id)
            await store.patients.touch_activity(patient.id, now)
    language = patient.language if patient is not None else fallback_language
    hit = ctx.triage.check(text)
    if hit is not None:
        urgent = _render(ctx, ctx.content.red_flags.reply, language)
        if patient is None:
            return InboxReply(kind="urgent", language=language, html=urgent, also_stranger=True)
        alert = AlertRequest(kind=EscalationKind.RED_FLAG, patient=patient,
                             enrollment=enrollment, words=text, rule_id=hit.rule_id)
        return InboxReply(kind="urgent", language=language, html=urgent, alert=alert)
    if patient is None:
        return InboxReply(kind="stranger", language=language)
    if patient.status != PatientStatus.ACTIVE:
        return InboxReply(kind="stopped", language=language)
    if not text.strip():
        return InboxReply(kind="empty", language=language)
    match = ctx.faq.match(text, language)
    alternatives = [hit.entry_id for hit in match.alternatives]
    if match.best is not None:
        answer = faq_answer(ctx, match.best.entry_id, language)
        if answer is not None:
            others = [i for i in alternatives if i != match.best.entry_id]
            return InboxReply(kind="faq", language=language, html=answer,
                              suggestions=_questions(ctx, others, language))
    handoff = AlertRequest(kind=EscalationKind.HANDOFF, patient=patient, enrollment=enrollment,
                           words=text)
    if alternatives:
        return InboxReply(kind="suggest", language=language,
                          suggestions=_questions(ctx, alternatives, language), alert=handoff)
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
    ctx: AppContext, *, chat_id: int, message_id: int, option_id: str, now: datetime
) -> CheckinOutcome:
    """Store a check-in answer once; an escalating option also asks for a staff alert."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.by_chat_id(chat_id)
        language = patient.language if patient else ctx.settings.clinic.default_language
        message = await store.messages.get(message_id)
        # The button must be one we sent to this very patient (callback data can be forged).
        if (
            patient is None
            or message is None
            or message.kind != MessageKind.CHECKIN
            or message.patient_id != patient.id
            or message.chat_id != chat_id
        ):
            return CheckinOutcome(status="stale", language=language)
        label = _option_label(message, option_id)
        if label is None:
            return CheckinOutcome(status="stale", language=language)
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
        else None
    )
    return CheckinOutcome(status="recorded", language=language, question_html=message.text,
                          answer=label, alert=alert)
