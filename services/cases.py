"""Cases: staff acknowledge, resolve and take them; the card staff see; the escalation ladder.

A case (an `escalations` row) is open -> acknowledged (who, when) -> resolved (who, when),
and may be assigned to a staff member. Every action, allowed or not, is audited (ids only).
The bot's card buttons, /cases and /case, and the console's Today page all come here.

The ladder: when a red-flag case opens (or a case becomes a red flag) outbox rows are
queued linked to it (`scheduled_messages.case_id`): at +`escalation.ack_minutes` a
re-announcement in the staff chat and a private page to each on-call member; at
+`escalation.patient_followup_minutes` a kind message to the patient. Delivery cancels
them once the case is no longer open (jobs/send_checks.py), so acknowledging stops the
ladder; being rows, they survive a restart.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import CaseMessageRecord, EscalationRecord, PatientRecord
from core.statuses import AuditOutcome, EscalationStatus, MessageKind
from core.texts import patient as patient_texts
from core.texts.alerts import (
    AlertFacts,
    case_status_lines,
    compose_alert,
    compose_page,
    compose_realert,
)
from services.context import AppContext
from services.staff_admin import audit, is_staff
from services.staff_directory import display_names
from storage.repositories import Store


class CaseAction(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ASSIGN = "assign"


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """What an action did: ok (changed), unchanged (already so), unknown case, or refused."""

    outcome: str  # "ok", "unchanged", "unknown", "refused"
    case: EscalationRecord | None = None


def target(case_id: int) -> str:
    return f"case:{case_id}"


async def act(
    ctx: AppContext, case_id: int, action: CaseAction, actor_id: int | None, *,
    redraw_card: bool = False,
) -> CaseResult:
    """Apply `action` for `actor_id` (staff only), audited. Assigning an open case to
    oneself acknowledges it too: someone has it. `redraw_card`: the action came from
    elsewhere than the card (the console), so the card in the staff chat is redrawn
    through the outbox (the bot's buttons edit the card themselves)."""
    name = f"case_{action}"
    if not await is_staff(ctx, actor_id):
        await audit(ctx, actor_id=actor_id, action=name, outcome=AuditOutcome.REFUSED,
                    target=target(case_id), detail="not staff")
        return CaseResult(outcome="refused")
    assert actor_id is not None
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        case = await store.escalations.get(case_id)
        if case is None:
            await store.audit.record(actor_id=actor_id, action=name, outcome=AuditOutcome.INVALID,
                                     target=target(case_id), detail="unknown case", now=now)
            return CaseResult(outcome="unknown")
        changed: EscalationRecord | None
        if action == CaseAction.ACKNOWLEDGE:
            changed = await store.escalations.acknowledge(case_id, actor_id, now)
        elif action == CaseAction.RESOLVE:
            changed = await store.escalations.resolve(case_id, actor_id, now)
        else:
            changed = await store.escalations.assign(case_id, actor_id)
            if changed is not None and changed.status == EscalationStatus.OPEN:
                changed = await store.escalations.acknowledge(case_id, actor_id, now)
        await store.audit.record(
            actor_id=actor_id, action=name, outcome=AuditOutcome.OK, target=target(case_id),
            detail=None if changed is not None else f"already {case.status}", now=now,
        )
        current = changed or await store.escalations.get(case_id)
    if redraw_card and changed is not None:
        await _redraw(ctx, changed, now)
    return CaseResult(outcome="ok" if changed is not None else "unchanged", case=current)


async def _redraw(ctx: AppContext, case: EscalationRecord, now: datetime) -> None:
    """Queue an edit of the case's card to show who has it now (when the card is out)."""
    text = await card_text(ctx, case)
    async with Store(ctx.sessions) as store:
        card = await store.escalations.card_post(case.id)
        if card is None:
            return  # not in the chat yet: nothing to redraw
        await store.escalations.enqueue_post(
            kind=MessageKind.CARD_EDIT, chat_id=card[0], text=text, now=now, case_id=case.id,
            about_patient_id=case.patient_id, reply_to=card[1],
        )
    ctx.wake_delivery()


async def get_case(
    ctx: AppContext, case_id: int
) -> tuple[EscalationRecord, tuple[CaseMessageRecord, ...]] | None:
    async with Store(ctx.sessions) as store:
        case = await store.escalations.get(case_id)
        if case is None:
            return None
        return case, await store.escalations.messages(case_id)


async def open_cases(ctx: AppContext, limit: int = 50) -> tuple[EscalationRecord, ...]:
    """Unresolved cases, oldest first."""
    async with Store(ctx.sessions) as store:
        return await store.escalations.list_open(limit)


def clock_text(ctx: AppContext, at: datetime | None) -> str | None:
    """A time as staff read it on a card: clinic zone, e.g. "02 Dec 14:05"."""
    return None if at is None else at.astimezone(ctx.settings.clinic.zone).strftime("%d %b %H:%M")


def status_block(ctx: AppContext, case: EscalationRecord,
                 names: Mapping[int, str] | None = None) -> str:
    return case_status_lines(
        status=case.status, acknowledged_by=case.acknowledged_by,
        acknowledged_at=clock_text(ctx, case.acknowledged_at), resolved_by=case.resolved_by,
        resolved_at=clock_text(ctx, case.closed_at), assigned_to=case.assigned_to,
        names=names,
    )


async def card_text(ctx: AppContext, case: EscalationRecord) -> str:
    """The case card as safe HTML: the alert as first posted, then who has it and when."""
    async with Store(ctx.sessions) as store:
        patient = None if case.patient_id is None else await store.patients.get(case.patient_id)
        enrollment = (
            None if case.enrollment_id is None else await store.enrollments.get(case.enrollment_id)
        )
        names = await display_names(
            store, (case.acknowledged_by, case.resolved_by, case.assigned_to))
    protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
    name = protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
    text = compose_alert(AlertFacts(
        kind=case.kind, escalation_id=case.id, patient_id=case.patient_id or 0,
        label=patient.label if patient else None, words=case.patient_text or "…",
        rule_id=case.rule_id, protocol_id=enrollment.protocol_id if enrollment else None,
        protocol_name=name, enrollment_id=enrollment.id if enrollment else None,
    ), in_topic=patient is not None and patient.staff_topic_id is not None)
    return text + status_block(ctx, case, names)


async def schedule_ladder(
    store: Store, ctx: AppContext, case: EscalationRecord, patient: PatientRecord,
    chat_id: int | None, now: datetime,
) -> None:
    """Queue the red-flag ladder for `case` (see the module doc), in `store`'s transaction."""
    settings = ctx.settings.escalation
    ack_at = now + timedelta(minutes=settings.ack_minutes)
    follow_at = now + timedelta(minutes=settings.patient_followup_minutes)
    realert = compose_realert(case_id=case.id, patient_id=patient.id,
                              minutes=settings.ack_minutes)
    page = compose_page(case_id=case.id, patient_id=patient.id, minutes=settings.ack_minutes)
    if chat_id is not None:
        await store.escalations.enqueue_timer(
            case.id, chat_id=chat_id, text=realert, due_at=ack_at, now=now,
            about_patient_id=patient.id,
        )
    for user_id in ctx.settings.staff.pager_ids:
        if user_id == chat_id:
            continue  # alerts already go to that admin's private chat
        await store.escalations.enqueue_timer(
            case.id, chat_id=user_id, text=page, due_at=ack_at, now=now,
            about_patient_id=patient.id,
        )
    if patient.chat_id is not None:
        language = patient_texts.ui_language(patient.language)
        text = patient_texts.t(
            "case_not_picked_up", language,
            emergency=ctx.settings.clinic.emergency_for(patient.language),
        )
        await store.escalations.enqueue_timer(
            case.id, chat_id=patient.chat_id, text=text, due_at=follow_at, now=now,
            patient_id=patient.id,
        )
