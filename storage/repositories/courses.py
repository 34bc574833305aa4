"""Course repository: a patient's course of a protocol (sessions done, how it ended) and the
outcome answers (how happy with the result, 1-5, and an optional comment)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import CourseRecord, OutcomeRecord
from core.statuses import CourseStatus
from storage.models import OutcomeAnswer, PatientCourse
from storage.repositories.conflicts import insert_ignoring_conflicts


def course_record(row: PatientCourse) -> CourseRecord:
    return CourseRecord(
        id=row.id, patient_id=row.patient_id, protocol_id=row.protocol_id, status=row.status,
        sessions_done=row.sessions_done, started_at=row.started_at, ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


def outcome_record(row: OutcomeAnswer) -> OutcomeRecord:
    return OutcomeRecord(
        id=row.id, patient_id=row.patient_id, enrollment_id=row.enrollment_id,
        protocol_id=row.protocol_id, message_id=row.message_id, score=row.score,
        answered_at=row.answered_at, comment=row.comment, comment_until=row.comment_until,
    )


class CourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def current(self, patient_id: int, protocol_id: str) -> CourseRecord | None:
        """The patient's newest course of the protocol."""
        row = await self._session.scalar(
            select(PatientCourse)
            .where(PatientCourse.patient_id == patient_id,
                   PatientCourse.protocol_id == protocol_id)
            .order_by(PatientCourse.id.desc()).limit(1)
            .execution_options(populate_existing=True)
        )
        return None if row is None else course_record(row)

    async def for_patient(self, patient_id: int) -> tuple[CourseRecord, ...]:
        rows = await self._session.scalars(
            select(PatientCourse).where(PatientCourse.patient_id == patient_id)
            .order_by(PatientCourse.id)
        )
        return tuple(course_record(row) for row in rows)

    async def ensure(
        self, patient_id: int, protocol_id: str, now: datetime
    ) -> CourseRecord:
        """The course a session of the protocol belongs to: the current one while active or
        completed (maintenance sessions follow a completed course), else a new one."""
        require_aware(now, "now")
        current = await self.current(patient_id, protocol_id)
        if current is not None and current.status != CourseStatus.DROPPED:
            return current
        row = PatientCourse(patient_id=patient_id, protocol_id=protocol_id,
                            status=CourseStatus.ACTIVE, sessions_done=0, started_at=now)
        self._session.add(row)
        await self._session.flush()
        return course_record(row)

    async def set_sessions_done(self, course_id: int, sessions_done: int) -> None:
        await self._session.execute(
            update(PatientCourse).where(PatientCourse.id == course_id,
                                        PatientCourse.sessions_done < sessions_done)
            .values(sessions_done=sessions_done).execution_options(synchronize_session=False)
        )

    async def end(
        self, course_id: int, status: CourseStatus, reason: str, now: datetime
    ) -> bool:
        """An active course ends (completed or dropped) for `reason`; False if it had."""
        require_aware(now, "now")
        result = await self._session.execute(
            update(PatientCourse)
            .where(PatientCourse.id == course_id, PatientCourse.status == CourseStatus.ACTIVE)
            .values(status=status, ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def drop_active(self, patient_id: int, reason: str, now: datetime) -> int:
        """Every active course of the patient is dropped (care stopped, cancelled, erased)."""
        require_aware(now, "now")
        result = await self._session.execute(
            update(PatientCourse)
            .where(PatientCourse.patient_id == patient_id,
                   PatientCourse.status == CourseStatus.ACTIVE)
            .values(status=CourseStatus.DROPPED, ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def reopen(self, patient_id: int, reason: str, ended_at: datetime) -> int:
        """Undo of a cancel: the courses it dropped (for `reason`, at `ended_at`) are active
        again."""
        require_aware(ended_at, "ended_at")
        result = await self._session.execute(
            update(PatientCourse)
            .where(PatientCourse.patient_id == patient_id,
                   PatientCourse.status == CourseStatus.DROPPED,
                   PatientCourse.end_reason == reason, PatientCourse.ended_at == ended_at)
            .values(status=CourseStatus.ACTIVE, ended_at=None, end_reason=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- outcome answers ----------------------------------------------------------------

    async def record_outcome(
        self, *, patient_id: int, enrollment_id: int | None, protocol_id: str, message_id: int,
        score: int, now: datetime, comment_until: datetime | None,
    ) -> OutcomeRecord | None:
        """Store the answer to an outcome question; None when it was already answered."""
        require_aware(now, "now")
        statement = insert_ignoring_conflicts(self._session, OutcomeAnswer, ["message_id"]).values(
            patient_id=patient_id, enrollment_id=enrollment_id, protocol_id=protocol_id,
            message_id=message_id, score=score, answered_at=now, comment=None,
            comment_until=comment_until,
        )
        result = await self._session.execute(statement)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.outcome_for_message(message_id)

    async def outcome_for_message(self, message_id: int) -> OutcomeRecord | None:
        row = await self._session.scalar(
            select(OutcomeAnswer).where(OutcomeAnswer.message_id == message_id)
            .execution_options(populate_existing=True)
        )
        return None if row is None else outcome_record(row)

    async def outcomes_for_patient(self, patient_id: int) -> tuple[OutcomeRecord, ...]:
        rows = await self._session.scalars(
            select(OutcomeAnswer).where(OutcomeAnswer.patient_id == patient_id)
            .order_by(OutcomeAnswer.answered_at, OutcomeAnswer.id)
        )
        return tuple(outcome_record(row) for row in rows)

    async def awaiting_comment(self, patient_id: int, now: datetime) -> OutcomeRecord | None:
        """The outcome answer whose comment the patient's next text is, if any."""
        require_aware(now, "now")
        row = await self._session.scalar(
            select(OutcomeAnswer)
            .where(OutcomeAnswer.patient_id == patient_id, OutcomeAnswer.comment.is_(None),
                   OutcomeAnswer.comment_until > now)
            .order_by(OutcomeAnswer.id.desc()).limit(1)
        )
        return None if row is None else outcome_record(row)

    async def set_comment(self, outcome_id: int, comment: str | None) -> bool:
        """The patient's comment (None: they skipped it); False once the comment is closed."""
        result = await self._session.execute(
            update(OutcomeAnswer)
            .where(OutcomeAnswer.id == outcome_id, OutcomeAnswer.comment_until.is_not(None))
            .values(comment=comment, comment_until=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
