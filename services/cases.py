"""Cases: staff acknowledge, resolve and take them; the card staff see; the escalation ladder.

A case (an `escalations` row) is open -> acknowledged (who, when) -> resolved (who, when),
and may be assigned to a staff member. Every action, allowed or not, is audited (ids only).
The bot's card buttons, /cases and /case, and the console's Today page all come here.

The ladder (core/ladder.py): an urgent case (a red flag, a worrying check-in answer)
escalates until someone acknowledges it, whether it opened the case or joined one in any
state (services/staff_alerts.py makes the case open again, with a fresh card). Its timers
are outbox rows linked to the case (`scheduled_messages.case_id`): round 1 at
+`escalation.ack_minutes` (a re-announcement in the staff chat, a private page to each
on-call member) and the patient's message at +`escalation.patient_followup_minutes` are
queued here; then every `escalation.repeat_minutes` another page round, each queued when
the one before is done (storage/outbox_cases.py), the admins paged too from the second
repeat. Delivery cancels them once the case is no longer open (jobs/send_checks.py), and
acknowledging cancels those waiting; being rows, they survive a restart.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.ladder import Ladder, ladder_step
from core.records import CaseMessageRecord, EnrollmentRecord, EscalationRecord, PatientRecord
from core.statuses import AuditOutcome, CaseClosure, EscalationStatus, MessageKind
from core.texts import patient as patient_texts
from core.texts.alerts import (
    AlertFacts,
    case_status_lines,
    compose_alert,
    compose_erased_card,
)
from services.access import audit, is_staff
from services.config import ServiceSettings
from services.context import AppContext
from services.staff_directory import display_names
from storage.repositories import Repositories, Store


class CaseAction(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ASSIGN = "assign"


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """What an action did: ok (changed), unchanged (already so: `case` says by whom, as
    the database has it now), unknown case, or refused."""

    outcome: str  # "ok", "unchanged", "unknown", "refused"
    case: EscalationRecord | None = None


def target(case_id: int) -> str:
    return f"case:{case_id}"


def case_taken_by(case: EscalationRecord) -> str:
    """For the audit: what the case is now and by whom (ids only), e.g. "resolved by 1002"."""
    if case.status == EscalationStatus.RESOLVED:
        who = "erasure" if case.closed_reason else case.resolved_by
    elif case.status == EscalationStatus.ACKNOWLEDGED:
        who = case.acknowledged_by
    else:
        who = case.assigned_to
    return f"{case.status} by {who}" if who is not None else str(case.status)


async def act(
    ctx: AppContext, case_id: int, action: CaseAction, actor_id: int | None, *,
    redraw: bool = False,
) -> CaseResult:
    """Apply `action` for `actor_id` (staff only), audited. Each transition names the state
    it expects and changes the case only if it is still in it when written
    (compare-and-set: acknowledge an open case, resolve an unresolved one, take it from
    whoever held it when read): of two people acting at once the second changes nothing
    and is told who was first (`case` as it is now). Assigning an open case to oneself
    acknowledges it too: someone has it. `redraw`: the action came from elsewhere than the
    card (the console), so the card in the staff chat is redrawn through the outbox (the
    bot's buttons edit the card themselves)."""
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
            changed = await store.escalations.assign(case_id, actor_id, holder=case.assigned_to)
            if changed is not None and changed.status == EscalationStatus.OPEN:
                changed = await store.escalations.acknowledge(case_id, actor_id, now) or changed
        current = changed or await store.escalations.get_fresh(case_id)
        await store.audit.record(
            actor_id=actor_id, action=name, outcome=AuditOutcome.OK, target=target(case_id),
            detail=None if changed is not None or current is None
            else f"already {case_taken_by(current)}", now=now,
        )
    if redraw and changed is not None:
        await redraw_card(ctx, changed, now)
    return CaseResult(outcome="ok" if changed is not None else "unchanged", case=current)


async def redraw_card(ctx: AppContext, case: EscalationRecord, now: datetime) -> None:
    """Queue an edit of the case's card (its newest) to show it as it is now: who has it,
    its buttons (when the card is out)."""
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
        raised_at=clock_text(ctx, case.raised_at), closed_reason=case.closed_reason,
        names=names,
    )


def compose_card(
    ctx: AppContext, case: EscalationRecord, patient: PatientRecord | None,
    enrollment: EnrollmentRecord | None, *, in_topic: bool | None = None,
    names: Mapping[int, str] | None = None,
) -> str:
    """The case card as safe HTML: the alert with the words that made it urgent last (else
    those that opened it), then who has it and when. `in_topic`: posted in the patient's
    forum topic (default: whether they have one)."""
    protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
    name = protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
    text = compose_alert(AlertFacts(
        kind=case.kind, escalation_id=case.id, patient_id=case.patient_id or 0,
        label=patient.label if patient else None, words=case.headline or "…",
        rule_id=case.rule_id, protocol_id=enrollment.protocol_id if enrollment else None,
        protocol_name=name, enrollment_id=enrollment.id if enrollment else None,
    ), in_topic=in_topic if in_topic is not None else (
        patient is not None and patient.staff_topic_id is not None))
    return text + status_block(ctx, case, names)


async def card_text(ctx: AppContext, case: EscalationRecord) -> str:
    """The case card as it is now (compose_card), read from the database; a case closed by
    the patient's erasure shows only ids (what erasure made of its card)."""
    if case.closed_reason == CaseClosure.ERASED:
        return compose_erased_card(case_id=case.id, patient_id=case.patient_id)
    async with Store(ctx.sessions) as store:
        patient = None if case.patient_id is None else await store.patients.get(case.patient_id)
        enrollment = (
            None if case.enrollment_id is None else await store.enrollments.get(case.enrollment_id)
        )
        names = await display_names(
            store, (case.acknowledged_by, case.resolved_by, case.assigned_to))
    return compose_card(ctx, case, patient, enrollment, names=names)


def ladder_policy(settings: ServiceSettings) -> Ladder:
    """The escalation ladder the settings describe (delivery queues its repeats with it)."""
    escalation, staff = settings.escalation, settings.staff
    return Ladder(
        ack=timedelta(minutes=escalation.ack_minutes),
        followup=timedelta(minutes=escalation.patient_followup_minutes),
        repeat=timedelta(minutes=escalation.repeat_minutes),
        on_call=tuple(staff.pager_ids), admins=tuple(staff.admin_ids),
        staff_chat=staff.staff_chat(),
    )


async def schedule_ladder(
    store: Repositories, ctx: AppContext, case: EscalationRecord, patient: PatientRecord,
    now: datetime,
) -> None:
    """Queue the current run of `case`'s ladder (see the module doc), in `store`'s
    transaction: round 1 (core/ladder.py) and the patient's message. The caller has
    queued a card with the case's buttons (the re-announcement points to it)."""
    first = ladder_policy(ctx.settings).first_round(
        case_id=case.id, patient_id=patient.id, kind=case.kind, start=now)
    step = ladder_step(case.ladder_run)
    for post in first.posts:
        await store.escalations.enqueue_timer(
            case.id, chat_id=post.chat_id, text=post.text, due_at=first.due_at, now=now,
            about_patient_id=patient.id, step_id=step, occurrence=first.number,
        )
    if patient.chat_id is not None:
        language = patient_texts.ui_language(patient.language)
        text = patient_texts.t(
            "case_not_picked_up", language,
            emergency=ctx.settings.clinic.emergency_for(patient.language),
        )
        follow_at = now + timedelta(minutes=ctx.settings.escalation.patient_followup_minutes)
        await store.escalations.enqueue_timer(
            case.id, chat_id=patient.chat_id, text=text, due_at=follow_at, now=now,
            patient_id=patient.id,
        )
