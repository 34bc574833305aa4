"""Join requests: a chat that already belongs to a patient accepted another record's
invite; held here until staff decide, with the staff question queued in the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import JoinRequestRecord
from core.statuses import MessageKind
from storage.models import JoinRequest, ScheduledMessage
from storage.outgoing import Outgoing

QUESTION_STEP = "join-request"  # step_id of the staff question in the outbox
MERGE, APART = "merge", "apart"


def _record(row: JoinRequest) -> JoinRequestRecord:
    return JoinRequestRecord(
        id=row.id, enrollment_id=row.enrollment_id, invited_id=row.invited_id,
        patient_id=row.patient_id, chat_id=row.chat_id, language=row.language,
        created_at=row.created_at, decided_at=row.decided_at, decided_by=row.decided_by,
        decision=row.decision,
    )


class JoinRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, *, enrollment_id: int, invited_id: int, patient_id: int,
                     chat_id: int, language: str | None, now: datetime) -> JoinRequestRecord:
        require_aware(now, "now")
        row = JoinRequest(enrollment_id=enrollment_id, invited_id=invited_id,
                          patient_id=patient_id, chat_id=chat_id, language=language,
                          created_at=now)
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    async def get(self, request_id: int) -> JoinRequestRecord | None:
        row = await self._session.get(JoinRequest, request_id, populate_existing=True)
        return None if row is None else _record(row)

    async def decide(self, request_id: int, decision: str, by: int | None,
                     now: datetime) -> JoinRequestRecord | None:
        """Record the decision, once: None when it was decided already (a second press,
        two staff members at once: the row lock or SQLite's write lock decides)."""
        require_aware(now, "now")
        row = await self._session.get(JoinRequest, request_id, with_for_update=True,
                                      populate_existing=True)
        if row is None or row.decided_at is not None:
            return None
        row.decision, row.decided_by, row.decided_at = decision, by, now
        await self._session.flush()
        return _record(row)

    async def pending_for_enrollment(self, enrollment_id: int) -> JoinRequestRecord | None:
        row = await self._session.scalar(
            select(JoinRequest).where(JoinRequest.enrollment_id == enrollment_id)
            .order_by(JoinRequest.id.desc()).limit(1))
        return None if row is None else _record(row)

    async def merged_into(self, invited_id: int) -> int | None:
        """The patient whose record a merged invitation's procedure went to."""
        found: int | None = await self._session.scalar(
            select(JoinRequest.patient_id).where(JoinRequest.invited_id == invited_id,
                                                 JoinRequest.decision == MERGE)
            .order_by(JoinRequest.id.desc()).limit(1))
        return found

    async def ask_staff(self, *, chat_id: int, text: str, buttons: list[tuple[str, str]],
                        about_patient_id: int, now: datetime,
                        thread_id: int | None = None) -> int:
        """Queue the question to staff (safe HTML) with its buttons, (callback data,
        label): delivery sends it at the staff chat's pace, ignoring quiet hours."""
        require_aware(now, "now")
        row = ScheduledMessage(**Outgoing(
            kind=MessageKind.POST, chat_id=chat_id, text=text, step_id=QUESTION_STEP, now=now,
            about_patient_id=about_patient_id, buttons=buttons, thread_id=thread_id).values())
        self._session.add(row)
        await self._session.flush()
        return row.id
