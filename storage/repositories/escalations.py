"""Escalation repository: what staff must see, and the alert message a reply is relayed from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import EscalationRecord
from core.sanitize import clean_optional
from core.statuses import EscalationKind, EscalationStatus, parse
from storage.models import Escalation


def escalation_record(row: Escalation) -> EscalationRecord:
    return EscalationRecord(
        id=row.id,
        patient_id=row.patient_id,
        enrollment_id=row.enrollment_id,
        kind=row.kind,
        rule_id=row.rule_id,
        patient_text=row.patient_text,
        status=row.status,
        alert_chat_id=row.alert_chat_id,
        alert_message_id=row.alert_message_id,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


class EscalationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(
        self,
        *,
        patient_id: int | None,
        enrollment_id: int | None,
        kind: str,
        rule_id: str | None,
        patient_text: str | None,
        now: datetime,
    ) -> EscalationRecord:
        """Record an open escalation; `kind` is an EscalationKind or its text (else ValueError)."""
        require_aware(now, "now")
        row = Escalation(
            patient_id=patient_id,
            enrollment_id=enrollment_id,
            kind=parse(EscalationKind, kind, "escalation kind"),
            rule_id=rule_id,
            patient_text=clean_optional(patient_text),
            status=EscalationStatus.OPEN,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return escalation_record(row)

    async def get(self, escalation_id: int) -> EscalationRecord | None:
        row = await self._session.get(Escalation, escalation_id)
        return None if row is None else escalation_record(row)

    async def set_alert_message(
        self, escalation_id: int, chat_id: int, message_id: int
    ) -> EscalationRecord:
        """Remember the staff-chat message, so a reply to it reaches the patient."""
        row = await self._session.get(Escalation, escalation_id)
        if row is None:
            raise LookupError(f"no escalation {escalation_id}")
        row.alert_chat_id = chat_id
        row.alert_message_id = message_id
        await self._session.flush()
        return escalation_record(row)

    async def by_alert_message(self, chat_id: int, message_id: int) -> EscalationRecord | None:
        row = await self._session.scalar(
            select(Escalation).where(
                Escalation.alert_chat_id == chat_id, Escalation.alert_message_id == message_id
            )
        )
        return None if row is None else escalation_record(row)

    async def close(self, escalation_id: int, now: datetime) -> bool:
        """Close an open escalation; False if unknown or already closed."""
        require_aware(now, "now")
        row = await self._session.get(Escalation, escalation_id)
        if row is None or row.status != EscalationStatus.OPEN:
            return False
        row.status = EscalationStatus.CLOSED
        row.closed_at = now
        await self._session.flush()
        return True

    async def list_open(self, limit: int = 50) -> tuple[EscalationRecord, ...]:
        """Open escalations, oldest first."""
        rows = await self._session.scalars(
            select(Escalation)
            .where(Escalation.status == EscalationStatus.OPEN)
            .order_by(Escalation.created_at, Escalation.id)
            .limit(limit)
        )
        return tuple(escalation_record(row) for row in rows)

    async def count_open(self) -> int:
        """How many escalations are still open."""
        count = await self._session.scalar(
            select(func.count()).where(Escalation.status == EscalationStatus.OPEN)
        )
        return int(count or 0)
