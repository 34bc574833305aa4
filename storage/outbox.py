"""Delivery queries: claim with a lease, record outcomes, reserve send slots (Core SQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.ladder import LADDER_PREFIX, Ladder
from core.statuses import MessageKind, MessageStatus, PatientStatus
from storage.models import (
    LAST_ERROR_CHARS,
    Enrollment,
    Escalation,
    Patient,
    ScheduledMessage,
    UTCDateTime,
    message_status_is,
)
from storage.outbox_cases import record_for_cases, unreachable_case
from storage.outgoing import Outgoing
from storage.repositories.messages import cancel_pending

MESSAGES = cast(Table, ScheduledMessage.__table__)
PATIENTS = cast(Table, Patient.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
CASES = cast(Table, Escalation.__table__)
CASE_GONE = "gone"  # ClaimedMessage.case_status of a timer whose case no longer exists
NOTICE_STEP = "notice"  # step_id of a staff notice (failed deliveries, the digest)

_UTC = UTCDateTime()
# ix_messages_claim holds pending rows only, ix_messages_lease leased ones (migration 0013):
# the status is written out as a literal so that every planner (a PostgreSQL generic plan
# too) sees the query is about those rows.
_IS_PENDING = message_status_is(MessageStatus.PENDING)
_IS_SENDING = message_status_is(MessageStatus.SENDING)


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimedMessage:
    """A leased message plus what the send-time checks need about its patient and enrollment."""

    id: int
    chat_id: int
    patient_id: int | None
    enrollment_id: int | None
    kind: str  # a MessageKind
    text: str
    options: tuple[tuple[str, str], ...]
    due_at: datetime
    available_at: datetime
    expires_at: datetime | None
    respects_quiet_hours: bool
    moved_by_quiet_hours: bool
    attempts: int
    lease_expires_at: datetime
    patient_status: str | None  # a PatientStatus
    patient_timezone: str | None
    enrollment_status: str | None  # an EnrollmentStatus
    # The patient's own last message or consent: someone writing to us is awake.
    patient_active_at: datetime | None = None
    # An escalation timer: its case and the case's status now (an EscalationStatus, or
    # CASE_GONE); a timer is only sent while its case is still open.
    case_id: int | None = None
    case_status: str | None = None
    case_kind: str | None = None  # an EscalationKind: red-flag posts go first in a group
    # Staff-chat posts (storage/models.py ScheduledMessage): topic, reply, what to copy.
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    copy_from_chat_id: int | None = None
    copy_message_id: int | None = None
    about_patient_id: int | None = None  # a staff-chat post: whom it is about
    step_id: str = ""  # e.g. a photo check-in's staff-chat copy (captioned) is PHOTO_POST_STEP
    copy_message_ids: tuple[int, ...] = ()  # an album to copy: all its messages


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What became of one claimed message: a terminal status, or back to pending at a time."""

    message_id: int
    status: str  # a MessageStatus: pending (try again later) or one of TERMINAL
    at: datetime
    telegram_message_id: int | None = None
    posted_message_ids: tuple[int, ...] = ()  # sent: every message it made, when several
    available_at: datetime | None = None  # pending only: when it may be claimed again
    attempts: int | None = None  # pending only: None keeps the stored count
    last_error: str | None = None
    moved_by_quiet_hours: bool | None = None  # pending only: None keeps the stored flag
    kind: str | None = None  # the message's MessageKind (None: not known)

    def __post_init__(self) -> None:
        if self.status == MessageStatus.PENDING and self.available_at is None:
            raise ValueError("a pending outcome needs available_at")
        if self.status != MessageStatus.PENDING and self.status not in MessageStatus.TERMINAL:
            raise ValueError(f"unknown outcome status {self.status!r}")


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads before it writes can fail with SQLITE_BUSY
    instead of waiting when another process writes in between; taking the lock first makes
    every writer queue on busy_timeout instead, so several processes are safe.
    """
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        await conn.commit()


class Outbox:
    """The delivery side of `scheduled_messages`, `delivery_pacing` and `chat_pacing`."""

    def __init__(
        self, engine: AsyncEngine, *, ladder: Ladder | None = None,
        staff_chat: int | None = None,
    ) -> None:
        self.engine = engine
        # The escalation policy: a ladder round's outcome queues the next round with it.
        self.ladder = ladder
        # Where a patient found unreachable (403) is announced as an unreachable case.
        self.staff_chat = staff_chat

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return write_transaction(self.engine)

    # --- claim ----------------------------------------------------------------------

    async def claim(
        self, *, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedMessage]:
        """Lease up to `limit` due messages (oldest available_at first) to `owner`.

        Rows whose lease ran out (a crashed process) go back to pending first, keeping their
        lease_owner so that a slow-but-alive owner can still record what it sent.
        """
        m = MESSAGES
        async with self._write() as conn:
            await conn.execute(
                update(m)
                .where(_IS_SENDING, m.c.lease_expires_at < now)
                .values(status=MessageStatus.PENDING)
            )
            due = (
                select(m.c.id)
                .where(_IS_PENDING, m.c.available_at <= now)
                .order_by(m.c.available_at, m.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds the write lock
            )
            rows = (
                await conn.execute(
                    update(m)
                    .where(m.c.id.in_(due.scalar_subquery()))
                    .values(
                        status=MessageStatus.SENDING,
                        lease_owner=owner,
                        lease_expires_at=lease_until,
                    )
                    .returning(
                        # What is read for the batch first (the loop below unpacks each row).
                        m.c.patient_id, m.c.enrollment_id, m.c.case_id,
                        m.c.id, m.c.chat_id, m.c.kind,
                        m.c.text, m.c.options, m.c.due_at, m.c.available_at, m.c.expires_at,
                        m.c.respects_quiet_hours, m.c.moved_by_quiet_hours, m.c.attempts,
                        m.c.thread_id, m.c.reply_to_message_id,
                        m.c.copy_from_chat_id, m.c.copy_message_id, m.c.about_patient_id,
                        m.c.step_id,
                        m.c.copy_message_ids,
                    )
                )
            ).all()
            if not rows:
                return []
            # Rows unpacked once as tuples: a Row's attribute access costs about as much
            # as building the message, and a batch reads 21 columns of 500 rows.
            patient_ids, enrollment_ids, case_ids = list(zip(*rows, strict=True))[:3]
            patients = await self._patients(conn, set(patient_ids) - {None})
            enrollments = await self._enrollments(conn, set(enrollment_ids) - {None})
            cases = await self._cases(conn, set(case_ids) - {None})
        no_patient: tuple[Any, Any, Any] = (None, None, None)
        claimed = []
        for (patient_id, enrollment_id, case_id, message_id, chat_id, kind, text, options,
             due_at, available_at, expires_at, respects_quiet_hours, moved_by_quiet_hours,
             attempts, thread_id, reply_to_message_id, copy_from_chat_id, copy_message_id,
             about_patient_id, step_id, copy_message_ids) in rows:
            status, timezone, active_at = patients.get(patient_id, no_patient)
            case_status, case_kind = (None, None) if case_id is None else cases.get(
                case_id, (CASE_GONE, None))
            claimed.append(ClaimedMessage(
                id=message_id,
                chat_id=chat_id,
                patient_id=patient_id,
                enrollment_id=enrollment_id,
                kind=kind,
                text=text,
                options=tuple((str(o["id"]), str(o["text"])) for o in options)
                if options else (),
                due_at=due_at,
                available_at=available_at,
                expires_at=expires_at,
                respects_quiet_hours=respects_quiet_hours,
                moved_by_quiet_hours=moved_by_quiet_hours,
                attempts=attempts,
                lease_expires_at=lease_until,
                patient_status=status,
                patient_timezone=timezone,
                patient_active_at=active_at,
                enrollment_status=enrollments.get(enrollment_id),
                case_id=case_id,
                case_status=case_status,
                case_kind=case_kind,
                thread_id=thread_id,
                reply_to_message_id=reply_to_message_id,
                copy_from_chat_id=copy_from_chat_id,
                copy_message_id=copy_message_id,
                copy_message_ids=tuple(copy_message_ids) if copy_message_ids else (),
                about_patient_id=about_patient_id,
                step_id=step_id,
            ))
        # RETURNING order is unspecified; send in claim order.
        claimed.sort(key=lambda c: (c.available_at, c.id))
        return claimed

    async def refresh(self, messages: Sequence[ClaimedMessage]) -> list[ClaimedMessage]:
        """The same messages with their patient's and enrollment's status read again now.

        A batch takes seconds to send at Telegram's pace; a patient who sends /stop (or is
        cancelled by staff) meanwhile must not get the rest of it.
        """
        async with self.engine.connect() as conn:
            patients = await self._patients(conn, {m.patient_id for m in messages} - {None})
            enrollments = await self._enrollments(
                conn, {m.enrollment_id for m in messages} - {None}
            )
            cases = await self._cases(conn, {m.case_id for m in messages} - {None})
        fresh = []
        for m in messages:
            patient_status = None if m.patient_id is None else patients.get(
                m.patient_id, (m.patient_status, None, None))[0]
            enrollment_status = None if m.enrollment_id is None else enrollments.get(
                m.enrollment_id, m.enrollment_status)
            case_status, case_kind = (None, None) if m.case_id is None else cases.get(
                m.case_id, (CASE_GONE, m.case_kind))
            if (patient_status, enrollment_status, case_status, case_kind) != (
                    m.patient_status, m.enrollment_status, m.case_status, m.case_kind):
                m = replace(m, patient_status=patient_status, enrollment_status=enrollment_status,
                            case_status=case_status, case_kind=case_kind)
            fresh.append(m)  # unchanged: the same object (a copy costs more than the read)
        return fresh

    @staticmethod
    async def _patients(
        conn: AsyncConnection, ids: set[Any]
    ) -> dict[int, tuple[str, str, datetime | None]]:
        if not ids:
            return {}
        p = PATIENTS
        result = await conn.execute(
            select(p.c.id, p.c.status, p.c.timezone, p.c.last_activity_at)
            .where(p.c.id.in_(sorted(ids)))
        )
        return {patient_id: (status, timezone, active_at)
                for patient_id, status, timezone, active_at in result}

    @staticmethod
    async def _enrollments(conn: AsyncConnection, ids: set[Any]) -> dict[int, str]:
        if not ids:
            return {}
        e = ENROLLMENTS
        result = await conn.execute(select(e.c.id, e.c.status).where(e.c.id.in_(sorted(ids))))
        return {enrollment_id: status for enrollment_id, status in result}

    @staticmethod
    async def _cases(conn: AsyncConnection, ids: set[Any]) -> dict[int, tuple[str, str]]:
        """(status, kind) of each case."""
        if not ids:
            return {}
        c = CASES
        result = await conn.execute(
            select(c.c.id, c.c.status, c.c.kind).where(c.c.id.in_(sorted(ids)))
        )
        return {case_id: (status, kind) for case_id, status, kind in result}

    # --- outcomes -------------------------------------------------------------------

    async def record(self, *, owner: str, outcomes: Sequence[Outcome]) -> None:
        """Write outcomes in one transaction, one executemany per statement shape.

        Only rows still leased by `owner` change (status sending, or pending after a
        reclaim nobody has claimed yet): a row another process now owns is left to it.
        """
        if not outcomes:
            return
        m = MESSAGES
        mine = (
            m.c.id == bindparam("b_id"),
            m.c.lease_owner == owner,
            # Not IN (...): expanding parameters cannot be used with executemany.
            or_(m.c.status == MessageStatus.SENDING, m.c.status == MessageStatus.PENDING),
        )
        finals = [
            {
                "b_id": o.message_id,
                "b_status": o.status,
                "b_tg": o.telegram_message_id,
                "b_sent": o.at if o.status == MessageStatus.SENT else None,
                "b_at": o.at,
                "b_error": _clip(o.last_error),
            }
            for o in outcomes
            if o.status != MessageStatus.PENDING
        ]
        retries = [
            {
                "b_id": o.message_id,
                "b_avail": o.available_at,
                "b_attempts": o.attempts,
                "b_error": _clip(o.last_error),
                "b_moved": o.moved_by_quiet_hours,
            }
            for o in outcomes
            if o.status == MessageStatus.PENDING
        ]
        async with self._write() as conn:
            if finals:
                await conn.execute(
                    update(m)
                    .where(*mine)
                    .values(
                        status=bindparam("b_status"),
                        telegram_message_id=bindparam("b_tg"),
                        sent_at=bindparam("b_sent"),
                        finished_at=bindparam("b_at"),
                        last_error=bindparam("b_error"),
                        lease_owner=None,
                        lease_expires_at=None,
                    ),
                    finals,
                )
            several = [{"b_id": o.message_id, "b_posted": list(o.posted_message_ids)}
                       for o in outcomes
                       if o.status == MessageStatus.SENT and o.posted_message_ids]
            if several:
                await conn.execute(
                    update(m).where(m.c.id == bindparam("b_id"))
                    .values(posted_message_ids=bindparam("b_posted")),
                    several,
                )
            await record_for_cases(
                conn, [(o.message_id, o.status, o.at, o.kind) for o in outcomes],
                self.ladder)
            if retries:
                await conn.execute(
                    update(m)
                    .where(*mine)
                    .values(
                        status=MessageStatus.PENDING,
                        available_at=bindparam("b_avail"),
                        attempts=func.coalesce(bindparam("b_attempts"), m.c.attempts),
                        last_error=func.coalesce(bindparam("b_error"), m.c.last_error),
                        moved_by_quiet_hours=func.coalesce(
                            bindparam("b_moved"), m.c.moved_by_quiet_hours
                        ),
                        lease_owner=None,
                        lease_expires_at=None,
                    ),
                    retries,
                )

    async def mark_unreachable(
        self, *, patient_id: int | None, chat_id: int, now: datetime, reason: str
    ) -> int:
        """The chat blocked the bot: patient unreachable, every pending message to the chat
        (or to the patient) cancelled with `reason` as last_error, and, when the patient was
        still being looked after, an unreachable case for staff (the clinic should call
        them), in the same transaction.

        Returns how many pending messages were cancelled.
        """
        m, p = MESSAGES, PATIENTS
        whose = m.c.chat_id == chat_id if patient_id is None else or_(
            m.c.patient_id == patient_id, m.c.chat_id == chat_id
        )
        # An escalation ladder's pages stay: each is tried (and its outcome recorded) in
        # turn, which is what queues the ladder's next round for the other on-call staff.
        whose = and_(whose, not_(m.c.step_id.startswith(LADDER_PREFIX)))
        async with self._write() as conn:
            lost = False
            if patient_id is not None:
                # stopped / forgotten say more than unreachable; keep them.
                changed = await conn.execute(
                    update(p)
                    .where(p.c.id == patient_id, p.c.status.in_(sorted(PatientStatus.LIVE)))
                    .values(status=PatientStatus.UNREACHABLE)
                )
                lost = bool(changed.rowcount)
            result = await conn.execute(cancel_pending(whose, now, reason))
            if lost and patient_id is not None and self.staff_chat is not None:
                await unreachable_case(conn, patient_id=patient_id, at=now,
                                       staff_chat=self.staff_chat)
        return int(result.rowcount or 0)

    async def enqueue_notice(self, *, chat_id: int, text: str, now: datetime) -> int:
        """A staff notice of the delivery engine (failed deliveries), due now: sent by a
        pass like any staff-chat post, paced with the group's others."""
        async with self._write() as conn:
            result = await conn.execute(
                insert(MESSAGES).values(Outgoing(
                    kind=MessageKind.NOTICE, chat_id=chat_id, text=text, step_id=NOTICE_STEP,
                    now=now).values()).returning(MESSAGES.c.id)
            )
            return int(result.scalar_one())

    async def next_due(self) -> datetime | None:
        """The earliest time a pending message becomes due or a lease runs out (None: idle)."""
        m = MESSAGES
        async with self.engine.connect() as conn:
            pending = await conn.scalar(
                select(func.min(m.c.available_at)).where(_IS_PENDING)
            )
            leased = await conn.scalar(
                select(func.min(m.c.lease_expires_at)).where(_IS_SENDING)
            )
        # func.min loses the column type on some dialects; coerce through the column type.
        times = [_aware(t) for t in (pending, leased) if t is not None]
        return min(times) if times else None


def _clip(error: str | None) -> str | None:
    return None if error is None else error[:LAST_ERROR_CHARS]


def _aware(value: Any) -> datetime:
    """Aggregates over UTCDateTime may come back naive (SQLite) or as text; make them UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    result = _UTC.process_result_value(value, None)  # type: ignore[arg-type]
    assert result is not None
    return result
