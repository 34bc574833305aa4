"""What delivery outcomes mean for cases: a card just sent becomes its case's card; a
patient's forum topic just made becomes theirs and the posts waiting for it go into it; a
patient's message that failed for good opens a delivery case (Core SQL, in the outcome
transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.statuses import (
    TOPIC_PENDING,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
)
from storage.models import CaseMessage, Escalation, Patient, ScheduledMessage

MESSAGES = cast(Table, ScheduledMessage.__table__)
CASES = cast(Table, Escalation.__table__)
CASE_MESSAGES = cast(Table, CaseMessage.__table__)
PATIENTS = cast(Table, Patient.__table__)


async def record_for_cases(
    conn: AsyncConnection, outcomes: Sequence[tuple[int, str, datetime, str | None]]
) -> None:
    """`outcomes`: (message id, status, when, MessageKind or None if not known) of what was
    just recorded. A kind that cannot matter (a reminder sent) costs no statement here."""

    def of(statuses: frozenset[str] | set[str], kinds: frozenset[str] | set[str]
           ) -> dict[int, datetime]:
        return {message_id: at for message_id, status, at, kind in outcomes
                if status in statuses and (kind is None or kind in kinds)}

    cards = of({MessageStatus.SENT}, {MessageKind.CARD})
    if cards:
        await _link_cards(conn, list(cards))
    topics = of(MessageStatus.TERMINAL, {MessageKind.TOPIC_OPEN})
    if topics:
        await _topics(conn, list(topics))
    failed = of({MessageStatus.FAILED}, MessageKind.TO_PATIENT)
    if failed:
        await _delivery_cases(conn, failed)


async def _link_cards(conn: AsyncConnection, sent_ids: Sequence[int]) -> None:
    """A case card just sent: the case remembers its message (the card's buttons edit it,
    a reply to it is relayed). One statement; rows that are not cards change nothing."""
    m, c = MESSAGES, CASES
    card = (
        select(m.c.chat_id, m.c.telegram_message_id)
        .where(m.c.case_id == c.c.id, m.c.kind == MessageKind.CARD,
               m.c.id.in_(sorted(sent_ids)))
        .limit(1)
    )
    await conn.execute(
        update(c)
        .where(c.c.alert_message_id.is_(None),
               c.c.id.in_(select(m.c.case_id).where(m.c.id.in_(sorted(sent_ids)),
                                                    m.c.kind == MessageKind.CARD)))
        .values(alert_chat_id=card.with_only_columns(m.c.chat_id).scalar_subquery(),
                alert_message_id=card.with_only_columns(m.c.telegram_message_id)
                .scalar_subquery())
    )


async def _topics(conn: AsyncConnection, done_ids: Sequence[int]) -> None:
    """A patient's topic made (TOPIC_OPEN sent: its "message id" is the topic): the patient
    has it, and their posts waiting for it (thread TOPIC_PENDING) go into it. Not made for
    good (failed, cancelled): they go to the chat itself, and the next case tries again.
    The waiting posts are found by the staff chat's unsent rows (ix_messages_posted)."""
    m, p = MESSAGES, PATIENTS
    rows = (await conn.execute(
        select(m.c.chat_id, m.c.about_patient_id, m.c.status, m.c.telegram_message_id)
        .where(m.c.id.in_(sorted(done_ids)), m.c.kind == MessageKind.TOPIC_OPEN,
               m.c.about_patient_id.is_not(None))
    )).all()
    for row in rows:
        topic = row.telegram_message_id if row.status == MessageStatus.SENT else None
        await conn.execute(
            update(p).where(p.c.id == row.about_patient_id,
                            p.c.staff_topic_id == TOPIC_PENDING)
            .values(staff_topic_id=topic)
        )
        await conn.execute(
            update(m).where(m.c.chat_id == row.chat_id, m.c.telegram_message_id.is_(None),
                            m.c.about_patient_id == row.about_patient_id,
                            m.c.thread_id == TOPIC_PENDING)
            .values(thread_id=topic)
        )


async def _delivery_cases(conn: AsyncConnection, failed: dict[int, datetime]) -> None:
    """A reminder or check-in that failed for good: the patient did not get their aftercare,
    so staff must look. It opens a delivery case for the patient (or joins their unresolved
    one). No card of its own: the failures of a pass are announced together in one staff
    notice (jobs/alerts.py), so a broken content file cannot flood the staff chat."""
    m, c = MESSAGES, CASES
    rows = (await conn.execute(
        select(m.c.id, m.c.patient_id, m.c.enrollment_id, m.c.step_id)
        .where(m.c.id.in_(sorted(failed)), m.c.patient_id.is_not(None),
               m.c.kind.in_(sorted(MessageKind.TO_PATIENT)))
        .order_by(m.c.id)
    )).all()
    for row in rows:
        at = failed[row.id]
        words = f"message {row.id} ({row.step_id}) not delivered"
        case_id = await conn.scalar(
            select(c.c.id).where(c.c.patient_id == row.patient_id,
                                 c.c.status.in_(sorted(EscalationStatus.UNRESOLVED)))
            .order_by(c.c.created_at, c.c.id).limit(1)
        )
        if case_id is None:
            await conn.execute(insert(c).values(
                patient_id=row.patient_id, enrollment_id=row.enrollment_id,
                kind=EscalationKind.DELIVERY, rule_id=f"message:{row.id}", patient_text=words,
                status=EscalationStatus.OPEN, created_at=at,
            ))
        else:
            await conn.execute(insert(CASE_MESSAGES).values(
                escalation_id=case_id, at=at, kind=EscalationKind.DELIVERY,
                patient_text=words,
            ))
