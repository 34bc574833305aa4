"""Photo check-in repository: the photo a patient sent for a photo step (its Telegram file id
and message, never the image) and their two answers, each given once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import MessageRecord, PhotoCheckinRecord
from core.statuses import MessageKind, MessageStatus
from storage.models import PhotoCheckin, ScheduledMessage
from storage.repositories.conflicts import insert_ignoring_conflicts
from storage.repositories.messages import message_record


def photo_record(row: PhotoCheckin) -> PhotoCheckinRecord:
    return PhotoCheckinRecord(
        id=row.id, patient_id=row.patient_id, enrollment_id=row.enrollment_id,
        message_id=row.message_id, step_id=row.step_id, session_number=row.session_number,
        file_id=row.file_id, source_chat_id=row.source_chat_id,
        source_message_id=row.source_message_id, received_at=row.received_at,
        swelling=row.swelling, pain=row.pain, answered_at=row.answered_at,
        escalation_id=row.escalation_id,
    )


class PhotoCheckinRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self, *, patient_id: int, enrollment_id: int | None, message_id: int, step_id: str,
        session_number: int, file_id: str, source: tuple[int, int], now: datetime,
    ) -> PhotoCheckinRecord | None:
        """The photo for the photo step `message_id`; None when one already came for it."""
        require_aware(now, "now")
        statement = insert_ignoring_conflicts(self._session, PhotoCheckin, ["message_id"]).values(
            patient_id=patient_id, enrollment_id=enrollment_id, message_id=message_id,
            step_id=step_id, session_number=session_number, file_id=file_id,
            source_chat_id=source[0], source_message_id=source[1], received_at=now,
        )
        result = await self._session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.for_message(message_id)

    async def pending_request(self, patient_id: int, since: datetime) -> MessageRecord | None:
        """The photo step sent to the patient since `since` that no photo answered yet (the
        newest): a photo they send now is its answer."""
        require_aware(since, "since")
        m = ScheduledMessage
        row = await self._session.scalar(
            select(m).where(
                m.patient_id == patient_id, m.kind == MessageKind.PHOTO,
                m.status == MessageStatus.SENT, m.sent_at >= since,
                ~exists().where(PhotoCheckin.message_id == m.id),
            ).order_by(m.sent_at.desc(), m.id.desc()).limit(1)
        )
        return None if row is None else message_record(row)

    async def _one(self, *criteria: object) -> PhotoCheckinRecord | None:
        row = await self._session.scalar(
            select(PhotoCheckin).where(*criteria)  # type: ignore[arg-type]
            .execution_options(populate_existing=True)
        )
        return None if row is None else photo_record(row)

    async def get(self, checkin_id: int) -> PhotoCheckinRecord | None:
        return await self._one(PhotoCheckin.id == checkin_id)

    async def for_message(self, message_id: int) -> PhotoCheckinRecord | None:
        return await self._one(PhotoCheckin.message_id == message_id)

    async def for_patient(self, patient_id: int) -> tuple[PhotoCheckinRecord, ...]:
        """The patient's photo check-ins, oldest first."""
        rows = await self._session.scalars(
            select(PhotoCheckin).where(PhotoCheckin.patient_id == patient_id)
            .order_by(PhotoCheckin.received_at, PhotoCheckin.id)
        )
        return tuple(photo_record(row) for row in rows)

    async def answer_swelling(self, checkin_id: int, swelling: bool) -> bool:
        """The first answer to "swollen?" counts; False when it was already given."""
        result = await self._session.execute(
            update(PhotoCheckin)
            .where(PhotoCheckin.id == checkin_id, PhotoCheckin.swelling.is_(None))
            .values(swelling=swelling).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def answer_pain(self, checkin_id: int, pain: int, now: datetime) -> bool:
        """The pain score (after the swelling answer), once; False otherwise."""
        require_aware(now, "now")
        result = await self._session.execute(
            update(PhotoCheckin)
            .where(PhotoCheckin.id == checkin_id, PhotoCheckin.swelling.is_not(None),
                   PhotoCheckin.pain.is_(None))
            .values(pain=pain, answered_at=now).execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_case(self, checkin_id: int, escalation_id: int) -> None:
        await self._session.execute(
            update(PhotoCheckin).where(PhotoCheckin.id == checkin_id)
            .values(escalation_id=escalation_id).execution_options(synchronize_session=False)
        )
