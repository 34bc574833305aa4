"""Check-in answer repository: one answer per check-in message, the first one wins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import CheckinAnswerRecord
from storage.models import CheckinAnswer
from storage.repositories.conflicts import insert_ignoring_conflicts


def checkin_record(row: CheckinAnswer) -> CheckinAnswerRecord:
    return CheckinAnswerRecord(
        id=row.id,
        message_id=row.message_id,
        patient_id=row.patient_id,
        enrollment_id=row.enrollment_id,
        step_id=row.step_id,
        option_id=row.option_id,
        escalated=row.escalated,
        answered_at=row.answered_at,
    )


class CheckinRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        message_id: int,
        patient_id: int,
        enrollment_id: int | None,
        step_id: str,
        option_id: str,
        escalated: bool,
        now: datetime,
    ) -> CheckinAnswerRecord | None:
        """Store the answer; None if this check-in was already answered (a second tap)."""
        require_aware(now, "now")
        statement = insert_ignoring_conflicts(self._session, CheckinAnswer, ["message_id"]).values(
            message_id=message_id,
            patient_id=patient_id,
            enrollment_id=enrollment_id,
            step_id=step_id,
            option_id=option_id,
            escalated=escalated,
            answered_at=now,
        )
        result = await self._session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.for_message(message_id)

    async def for_message(self, message_id: int) -> CheckinAnswerRecord | None:
        row = await self._session.scalar(
            select(CheckinAnswer)
            .where(CheckinAnswer.message_id == message_id)
            .execution_options(populate_existing=True)
        )
        return None if row is None else checkin_record(row)

    async def list_for_patient(self, patient_id: int) -> tuple[CheckinAnswerRecord, ...]:
        rows = await self._session.scalars(
            select(CheckinAnswer)
            .where(CheckinAnswer.patient_id == patient_id)
            .order_by(CheckinAnswer.answered_at, CheckinAnswer.id)
        )
        return tuple(checkin_record(row) for row in rows)
