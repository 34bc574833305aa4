"""Alerts to the staff chat: red flags, worrying check-in answers and hand-offs, never lost.

An alert is recorded as a case first (or joins the patient's unresolved case), then
posted; the posted message's id is stored so a staff reply to it is relayed back to the
patient. If posting fails for any reason, the alert goes into the outbox (a
`scheduled_messages` row of kind "alert" for the alert chat, due now, naming the patient
in `about_patient_id` so that erasure finds it) and delivery is woken: red flags always
reach a human. (Such a retried alert is sent by delivery, which does not record its
message id on the escalation and carries no case buttons, so replying to it does not
relay; staff still see it and can act with /case.)

Without `staff.alert_chat_id` alerts go to the first admin's private chat.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from core.records import CaseMessageRecord, EnrollmentRecord, EscalationRecord, PatientRecord
from core.statuses import EscalationKind, EscalationStatus
from core.texts.alerts import AlertFacts, compose_alert
from services.cases import schedule_ladder
from services.context import AppContext
from storage.repositories import Store

log = logging.getLogger(__name__)

# Posts safe HTML to a chat and returns the Telegram message id; raises on any failure. The
# third argument is the case id when the post is the case's card (it carries the case
# buttons), else None.
Poster = Callable[[int, str, int | None], Awaitable[int]]

@dataclass(frozen=True, kw_only=True)
class AlertRequest:
    """Something staff must see about a patient; `words` are the patient's own (or the
    check-in answer they chose)."""

    kind: EscalationKind  # RED_FLAG, CHECKIN or HANDOFF
    patient: PatientRecord
    enrollment: EnrollmentRecord | None
    words: str
    rule_id: str | None = None


def alert_chat(ctx: AppContext) -> int | None:
    staff = ctx.settings.staff
    if staff.alert_chat_id is not None:
        return staff.alert_chat_id
    return staff.admin_ids[0] if staff.admin_ids else None


def compose(
    ctx: AppContext, request: AlertRequest, escalation_id: int, *, joined: bool = False
) -> str:
    """The alert as safe HTML (wording: core/texts/alerts.py); `joined`: a later message
    of an open case."""
    patient, enrollment = request.patient, request.enrollment
    protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
    name = protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
    return compose_alert(AlertFacts(
        kind=request.kind, escalation_id=escalation_id, patient_id=patient.id,
        label=patient.label, words=request.words, rule_id=request.rule_id,
        protocol_id=enrollment.protocol_id if enrollment else None, protocol_name=name,
        enrollment_id=enrollment.id if enrollment else None,
    ), joined=joined)


async def raise_alert(
    ctx: AppContext, post: Poster, request: AlertRequest, now: datetime
) -> EscalationRecord:
    """Open a case (or attach to the patient's unresolved one), post it to the staff chat,
    and fall back to the outbox. A red flag queues the escalation ladder (services/cases.py)
    when it opens a case or makes an open non-urgent case urgent."""
    chat_id = alert_chat(ctx)
    joined: CaseMessageRecord | None = None
    async with Store(ctx.sessions) as store:
        escalation = await store.escalations.unresolved_for(request.patient.id)
        ladder = request.kind == EscalationKind.RED_FLAG
        if escalation is None:
            escalation = await store.escalations.open(
                patient_id=request.patient.id,
                enrollment_id=request.enrollment.id if request.enrollment else None,
                kind=request.kind,
                rule_id=request.rule_id,
                patient_text=request.words,
                now=now,
            )
        else:
            joined = await store.escalations.add_message(
                escalation.id, kind=request.kind, patient_text=request.words, now=now
            )
            if ladder and escalation.kind != EscalationKind.RED_FLAG:
                escalation = await store.escalations.raise_kind(
                    escalation.id, EscalationKind.RED_FLAG, request.rule_id
                )
                log.info("case %d raised to urgent", escalation.id)
            else:
                ladder = False  # already urgent: its ladder runs (or someone has it)
        if ladder and escalation.status == EscalationStatus.OPEN:
            await schedule_ladder(store, ctx, escalation, request.patient, chat_id, now)
    if chat_id is None:
        log.error("escalation %d has nowhere to go: set staff.alert_chat_id", escalation.id)
        return escalation
    text = compose(ctx, request, escalation.id, joined=joined is not None)
    try:
        message_id = await post(chat_id, text, None if joined else escalation.id)
    except Exception as error:  # any failure: the outbox retries it, nothing is lost
        log.warning(
            "alert for escalation %d not posted (%s); queued for delivery",
            escalation.id, type(error).__name__,
        )
        await _enqueue(ctx, chat_id, text, request.patient.id, now)
        return escalation
    async with Store(ctx.sessions) as store:
        if joined is not None:
            await store.escalations.set_message_post(joined.id, chat_id, message_id)
            return escalation
        return await store.escalations.set_alert_message(escalation.id, chat_id, message_id)


async def _enqueue(
    ctx: AppContext, chat_id: int, text: str, patient_id: int, now: datetime
) -> None:
    async with Store(ctx.sessions) as store:
        await store.messages.enqueue_alert(
            chat_id=chat_id, text=text, about_patient_id=patient_id, now=now
        )
    ctx.wake_delivery()
