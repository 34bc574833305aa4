"""Patient repository: the people looked after, their chat binding, and erasure (/forget)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.clock import require_aware
from core.records import ERASED_CHAT_ID, PatientOverview, PatientRecord
from core.sanitize import clean_optional
from core.statuses import (
    CARE_CANCELLED,
    SHOWN_STATUSES,
    TOPIC_PENDING,
    BookingStatus,
    CourseStatus,
    EnrollmentStatus,
    PatientStatus,
    parse,
)
from storage.models import (
    Booking,
    CaseMessage,
    CheckinAnswer,
    Enrollment,
    Escalation,
    InboundUpdate,
    Invite,
    OutcomeAnswer,
    Patient,
    PatientCourse,
    PhotoCheckin,
    ScheduledMessage,
)
from storage.patient_search import label_contains as search_label
from storage.repositories.enrollments import enrollment_record, stop_live
from storage.repositories.invites import expire_unused
from storage.repositories.messages import cancel_pending_in


class ChatInUseError(Exception):
    """The Telegram chat is already bound to another (not forgotten) patient."""

    def __init__(self, other_patient_id: int) -> None:
        super().__init__(f"chat already bound to patient {other_patient_id}")
        self.other_patient_id = other_patient_id


def patient_record(row: Patient) -> PatientRecord:
    return PatientRecord(
        id=row.id,
        chat_id=row.chat_id,
        label=row.label,
        language=row.language,
        timezone=row.timezone,
        status=row.status,
        consented_at=row.consented_at,
        created_at=row.created_at,
        created_by=row.created_by,
        last_activity_at=row.last_activity_at,
        forgotten_at=row.forgotten_at,
        staff_topic_id=row.staff_topic_id,
    )


def mentions_user(payload: Any, user_id: int) -> bool:
    """Whether a Telegram update payload names this user or chat anywhere (its "id" keys)."""
    if isinstance(payload, dict):
        if payload.get("id") == user_id:
            return True
        return any(mentions_user(value, user_id) for value in payload.values())
    if isinstance(payload, list):
        return any(mentions_user(value, user_id) for value in payload)
    return False


class PatientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, patient_id: int) -> Patient:
        row = await self._session.get(Patient, patient_id)
        if row is None:
            raise LookupError(f"no patient {patient_id}")
        return row

    async def create(
        self,
        *,
        label: str | None,
        language: str,
        timezone: str,
        created_by: int | None,
        now: datetime,
    ) -> PatientRecord:
        require_aware(now, "now")
        row = Patient(
            label=clean_optional(label),
            language=language,
            timezone=timezone,
            status=PatientStatus.INVITED,
            created_at=now,
            created_by=created_by,
        )
        self._session.add(row)
        await self._session.flush()
        return patient_record(row)

    async def get(self, patient_id: int) -> PatientRecord | None:
        row = await self._session.get(Patient, patient_id)
        return None if row is None else patient_record(row)

    async def by_chat_id(self, chat_id: int, *, lock: bool = False) -> PatientRecord | None:
        """The chat's patient. `lock`: their row is held until the transaction ends
        (PostgreSQL; SQLite's writers take turns anyway). A transaction that will update
        the patient's staff posts waiting in the outbox takes the patient first, as the
        delivery pass does when their topic is made (storage/outbox_cases.py `_topics`:
        the patient, then their posts); in the other order the two deadlock."""
        query = select(Patient).where(Patient.chat_id == chat_id)
        row = await self._session.scalar(query.with_for_update() if lock else query)
        return None if row is None else patient_record(row)

    async def set_chat(self, patient_id: int, chat_id: int, now: datetime) -> PatientRecord:
        """Bind the patient's Telegram chat at consent (raises ChatInUseError if taken)."""
        require_aware(now, "now")
        other = await self._session.scalar(
            select(Patient.id).where(Patient.chat_id == chat_id, Patient.id != patient_id)
        )
        if other is not None:
            raise ChatInUseError(other)
        row = await self._row(patient_id)
        row.chat_id = chat_id
        row.consented_at = now
        row.last_activity_at = now
        await self._session.flush()
        return patient_record(row)

    async def set_language(self, patient_id: int, language: str) -> PatientRecord:
        row = await self._row(patient_id)
        row.language = language
        await self._session.flush()
        return patient_record(row)

    async def set_timezone(self, patient_id: int, timezone: str) -> PatientRecord:
        row = await self._row(patient_id)
        row.timezone = timezone
        await self._session.flush()
        return patient_record(row)

    async def set_status(self, patient_id: int, status: str) -> PatientRecord:
        """Set invited/active/stopped/unreachable ("forgotten" only through `forget`).

        `status` is a PatientStatus or its text; anything else raises ValueError.
        """
        wanted = parse(PatientStatus, status, "patient status")
        if wanted is PatientStatus.FORGOTTEN:
            raise ValueError(f"unknown patient status {str(status)!r}")
        row = await self._row(patient_id)
        if row.status == PatientStatus.FORGOTTEN:
            raise ValueError("a forgotten patient cannot change status")
        row.status = wanted
        await self._session.flush()
        return patient_record(row)

    async def set_staff_topic(self, patient_id: int, topic_id: int | None) -> bool:
        """Remember (or forget, with None) the patient's forum topic in the staff chat;
        False if there is no such patient."""
        result = await self._session.execute(
            update(Patient).where(Patient.id == patient_id).values(staff_topic_id=topic_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def by_staff_topic(self, topic_id: int) -> PatientRecord | None:
        """The patient whose forum topic in the staff chat this is."""
        if topic_id == TOPIC_PENDING:
            return None  # a topic still being made has no messages in it
        row = await self._session.scalar(
            select(Patient).where(Patient.staff_topic_id == topic_id).limit(1)
        )
        return None if row is None else patient_record(row)

    async def touch_activity(self, patient_id: int, now: datetime) -> None:
        require_aware(now, "now")
        await self._session.execute(
            update(Patient).where(Patient.id == patient_id).values(last_activity_at=now)
        )

    async def list(
        self, *, statuses: Collection[str] | None = None, limit: int = 100, offset: int = 0,
        label_contains: str | None = None,
    ) -> tuple[PatientOverview, ...]:
        """Patients, newest first, each with their enrollments (newest first); optionally
        only those whose label contains `label_contains` (any case)."""
        query = select(Patient).order_by(Patient.id.desc()).limit(limit).offset(offset)
        if statuses is not None:
            query = query.where(Patient.status.in_(list(statuses)))
        if label_contains:
            query = query.where(search_label(self._session, label_contains))
        patients = list(await self._session.scalars(query))
        if not patients:
            return ()
        enrollments = await self._session.scalars(
            select(Enrollment)
            .where(Enrollment.patient_id.in_([p.id for p in patients]))
            .order_by(Enrollment.id.desc())
        )
        by_patient: dict[int, list[Enrollment]] = {p.id: [] for p in patients}
        for enrollment in enrollments:
            by_patient[enrollment.patient_id].append(enrollment)
        return tuple(
            PatientOverview(
                patient=patient_record(p),
                enrollments=tuple(enrollment_record(e) for e in by_patient[p.id]),
            )
            for p in patients
        )

    async def count_by_status(self) -> dict[str, int]:
        """Patients per status as staff see it (core.statuses.shown_status: an invited or
        active patient whose newest enrollment staff cancelled counts as "cancelled"),
        every status present, zero where none."""
        counts: dict[str, int] = dict.fromkeys(SHOWN_STATUSES, 0)
        for status, count in await self._session.execute(
            select(Patient.status, func.count()).group_by(Patient.status)
        ):
            counts[status] = int(count)
        # Read from the cancelled enrollments (few) rather than every patient's newest.
        newer = aliased(Enrollment)
        for status, count in await self._session.execute(
            select(Patient.status, func.count())
            .join(Enrollment, Enrollment.patient_id == Patient.id)
            .where(Enrollment.status == EnrollmentStatus.CANCELLED,
                   Patient.status.in_(sorted(PatientStatus.LIVE)),
                   ~exists(select(newer.id).where(newer.patient_id == Enrollment.patient_id,
                                                  newer.id > Enrollment.id)))
            .group_by(Patient.status)
        ):
            counts[status] -= int(count)
            counts[CARE_CANCELLED] += int(count)
        return counts

    async def forget(self, patient_id: int, now: datetime) -> PatientRecord | None:
        """Erase the patient's personal data; None if there is no such patient.

        Erased: the label, the chat binding (patients.chat_id, invites.used_by_chat, and
        scheduled_messages.chat_id set to ERASED_CHAT_ID), the patient's own words in
        escalations, stored webhook updates that mention the chat, check-in answers and
        photo check-ins (deleted: health data about one person; a photo's Telegram file id
        with them), and outcome comments (the patient's words). Kept, without personal
        data: the patient row (status "forgotten", language, zone), enrollments, bookings
        (times; open ones cancelled), courses (dropped), outcome scores, consent records
        (which wording, when), the delivery history of clinic-written messages, and audit
        events (which hold ids only). Pending messages are cancelled, enrollments stopped
        and unused invites expired, so nothing more is sent and the old link cannot re-bind
        anyone.
        """
        require_aware(now, "now")
        row = await self._session.get(Patient, patient_id)
        if row is None:
            return None
        chat_id = row.chat_id
        await cancel_pending_in(
            self._session, ScheduledMessage.patient_id == patient_id, now, "forgotten"
        )
        await self._session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.patient_id == patient_id)
            .values(chat_id=ERASED_CHAT_ID)
        )
        enrollment_ids = select(Enrollment.id).where(Enrollment.patient_id == patient_id)
        await self._session.execute(
            update(Invite)
            .where(Invite.enrollment_id.in_(enrollment_ids))
            .values(used_by_chat=None)
        )
        await self._session.execute(expire_unused(Invite.enrollment_id.in_(enrollment_ids), now))
        await self._session.execute(stop_live(Enrollment.patient_id == patient_id))
        await self._session.execute(
            update(Escalation)
            .where(Escalation.patient_id == patient_id)
            .values(patient_text=None, raised_text=None)
        )
        await self._session.execute(
            update(CaseMessage)
            .where(CaseMessage.escalation_id.in_(
                select(Escalation.id).where(Escalation.patient_id == patient_id)))
            .values(patient_text=None)
        )
        await self._session.execute(
            delete(CheckinAnswer).where(CheckinAnswer.patient_id == patient_id)
        )
        await self._session.execute(
            delete(PhotoCheckin).where(PhotoCheckin.patient_id == patient_id)
        )
        await self._session.execute(
            update(OutcomeAnswer).where(OutcomeAnswer.patient_id == patient_id)
            .values(comment=None, comment_until=None)
        )
        await self._session.execute(
            update(Booking)
            .where(Booking.patient_id == patient_id,
                   Booking.status.in_(sorted(BookingStatus.OPEN)))
            .values(status=BookingStatus.CANCELLED, recorded_at=now, recorded_by=None,
                    sequence=Booking.sequence + 1)
        )
        await self._session.execute(
            update(PatientCourse)
            .where(PatientCourse.patient_id == patient_id,
                   PatientCourse.status == CourseStatus.ACTIVE)
            .values(status=CourseStatus.DROPPED, ended_at=now, end_reason="erased")
        )
        if chat_id is not None:
            await self._forget_inbound_updates(chat_id)
        row.label = None
        row.chat_id = None
        row.status = PatientStatus.FORGOTTEN
        row.forgotten_at = now
        await self._session.flush()
        return patient_record(row)

    async def _forget_inbound_updates(self, chat_id: int) -> None:
        # JSON queries differ between backends; the table is small (processed updates are
        # pruned), so scanning it in Python is fine and portable.
        result = await self._session.execute(
            select(InboundUpdate.update_id, InboundUpdate.payload)
        )
        doomed = [update_id for update_id, payload in result if mentions_user(payload, chat_id)]
        if doomed:
            await self._session.execute(
                delete(InboundUpdate).where(InboundUpdate.update_id.in_(doomed))
            )
