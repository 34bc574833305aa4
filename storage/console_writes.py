"""The staff console's own writes: a one-off notice to a patient through the outbox, and the
one-time tokens of its Enroll form (a form sent twice creates one patient)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import AuditRecord
from core.statuses import MessageKind
from storage.models import AuditEvent, ConsoleToken, ScheduledMessage
from storage.outgoing import Outgoing
from storage.repositories.audit import audit_record
from storage.repositories.conflicts import insert_ignoring_conflicts

FORM_KIND = "form"  # console_tokens.kind of a used Enroll form (beside "link", "session")


async def claim_form(
    session: AsyncSession, token_hash: str, *, user_id: int, expires_at: datetime,
    now: datetime,
) -> bool:
    """Record that a one-time form token was used: True for the first use, False when it
    already was (the unique token_hash decides a race between two submissions)."""
    require_aware(now, "now")
    require_aware(expires_at, "expires_at")
    statement = insert_ignoring_conflicts(session, ConsoleToken, ["token_hash"]).values(
        kind=FORM_KIND, token_hash=token_hash, user_id=user_id, created_at=now,
        expires_at=expires_at, ended_at=None,
    )
    result = await session.execute(statement)
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def release_form(session: AsyncSession, token_hash: str) -> None:
    """Forget a form token's use (what it was to create was not created)."""
    await session.execute(delete(ConsoleToken).where(ConsoleToken.token_hash == token_hash,
                                                     ConsoleToken.kind == FORM_KIND))


async def form_outcome(
    session: AsyncSession, action: str, marker: str, since: datetime
) -> AuditRecord | None:
    """The audit event (`action`, detail ending in `marker`) that a form's use left at or
    after `since`; the `at` index bounds the search."""
    require_aware(since, "since")
    row = await session.scalar(
        select(AuditEvent)
        .where(AuditEvent.at >= since, AuditEvent.action == action,
               AuditEvent.detail.endswith(marker, autoescape=True))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return None if row is None else audit_record(row)


async def enqueue_patient_notice(
    session: AsyncSession, *, patient_id: int, chat_id: int, step_id: str, text: str,
    now: datetime,
) -> int:
    """Queue a one-off message to a patient (safe HTML), belonging to no plan: delivery
    sends it like a reminder (send-time checks, quiet hours in the patient's zone), and
    cancelling the patient's enrollments does not drop it."""
    require_aware(now, "now")
    row = ScheduledMessage(**Outgoing(
        kind=MessageKind.REMINDER, chat_id=chat_id, text=text, step_id=step_id, now=now,
        patient_id=patient_id, respects_quiet_hours=True).values())
    session.add(row)
    await session.flush()
    return row.id
