"""Scheduled-message repository: storing plans, re-planning, cancelling, and reading the outbox.

The delivery engine's claim/lease/record queries live in storage/outbox.py, not here;
`cancel_pending` is the one rule for cancelling messages, which both use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Update, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import (
    MessageOption,
    MessageRecord,
    MessageStats,
    PlannedMessageLike,
    PlanReplacement,
)
from core.statuses import MessageKind, MessageStatus
from storage.models import (
    LAST_ERROR_CHARS,
    Enrollment,
    Patient,
    ScheduledMessage,
    due_pending,
)
from storage.outgoing import Outgoing
from storage.repositories.conflicts import insert_ignoring_conflicts

_INSERT_CHUNK = 200  # rows per INSERT; keeps SQLite under its bound-parameter limit
ALERT_STEP = "alert"  # step_id of a queued staff alert (it belongs to no plan)


def cancel_pending(whose: ColumnElement[bool], now: datetime, last_error: str) -> Update:
    """The UPDATE that cancels the messages matching `whose` that are still pending.

    The one rule for cancelling (/stop, a blocked chat, a cancelled enrollment, erasure, a
    step dropped by a re-plan): status "cancelled", finished `now`, `last_error` kept (cut
    to the column), no lease. A message a delivery process has leased ("sending") is left
    to the outbox to settle. Run it on a session or a connection; its rowcount is how
    many were cancelled.
    """
    require_aware(now, "now")
    return (
        update(ScheduledMessage)
        .where(whose, ScheduledMessage.status == MessageStatus.PENDING)
        .values(
            status=MessageStatus.CANCELLED,
            finished_at=now,
            last_error=last_error[:LAST_ERROR_CHARS],
            lease_owner=None,
            lease_expires_at=None,
        )
    )


async def cancel_pending_in(
    session: AsyncSession, whose: ColumnElement[bool], now: datetime, reason: str
) -> int:
    """`cancel_pending` in the session, with last_error "cancelled: <reason>"; the count.

    `reason` is a word or two without personal data ("stop", "blocked", "enrollment").
    """
    result = await session.execute(cancel_pending(whose, now, f"cancelled: {reason}"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def message_record(row: ScheduledMessage) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        enrollment_id=row.enrollment_id,
        patient_id=row.patient_id,
        about_patient_id=row.about_patient_id,
        chat_id=row.chat_id,
        step_id=row.step_id,
        occurrence=row.occurrence,
        kind=row.kind,
        text=row.text,
        options=tuple(MessageOption(id=o["id"], text=o["text"]) for o in row.options or ()),
        due_at=row.due_at,
        expires_at=row.expires_at,
        moved_by_quiet_hours=row.moved_by_quiet_hours,
        respects_quiet_hours=row.respects_quiet_hours,
        status=row.status,
        available_at=row.available_at,
        attempts=row.attempts,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        telegram_message_id=row.telegram_message_id,
        sent_at=row.sent_at,
        finished_at=row.finished_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def _plain(value: Any) -> str:
    """A str, or the value of a str-valued enum."""
    return str(getattr(value, "value", value))


def _option(option: Any) -> dict[str, str]:
    """An option as stored: from an (id, text) pair, a mapping, or an object with id and text."""
    if isinstance(option, Mapping):
        return {"id": str(option["id"]), "text": str(option["text"])}
    if isinstance(option, tuple):
        option_id, text = option
        return {"id": str(option_id), "text": str(text)}
    return {"id": str(option.id), "text": str(option.text)}


def _planned_values(planned: PlannedMessageLike, now: datetime) -> dict[str, Any]:
    """Column values a planned message dictates (the same for insert and re-plan)."""
    require_aware(planned.due_at, f"due_at of {planned.step_id}")
    if planned.expires_at is not None:
        require_aware(planned.expires_at, f"expires_at of {planned.step_id}")
    status = _plain(planned.status)
    if status not in MessageStatus.PLANNED:
        raise ValueError(f"planned status must be pending or expired, got {status!r}")
    options = [_option(o) for o in planned.options] if planned.options else None
    return {
        "kind": MessageKind(_plain(planned.kind)),
        "text": planned.text,
        "options": options,
        "due_at": planned.due_at,
        "expires_at": planned.expires_at,
        "moved_by_quiet_hours": bool(planned.moved_by_quiet_hours),
        "respects_quiet_hours": bool(planned.respects_quiet_hours),
        "status": MessageStatus(status),
        # Expired at planning time: final at once, never claimable.
        "finished_at": now if status == MessageStatus.EXPIRED else None,
    }


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _rows(self, *criteria: Any, order: Iterable[Any] = ()) -> list[ScheduledMessage]:
        # populate_existing: delivery processes change these rows behind our back.
        query = (
            select(ScheduledMessage)
            .where(*criteria)
            .order_by(*order)
            .execution_options(populate_existing=True)
        )
        return list(await self._session.scalars(query))

    async def insert_plan(
        self,
        *,
        enrollment_id: int,
        patient_id: int,
        chat_id: int,
        planned: Sequence[PlannedMessageLike],
        now: datetime,
    ) -> int:
        """Store a plan; rows already stored for (enrollment, step, occurrence) are left alone.

        Returns how many rows were inserted, so a repeated call (a double-tapped consent
        button, a retried update) inserts nothing and says so.
        """
        require_aware(now, "now")
        rows = []
        for item in planned:
            values = _planned_values(item, now)
            rows.append(
                {
                    **values,
                    "enrollment_id": enrollment_id,
                    "patient_id": patient_id,
                    "chat_id": chat_id,
                    "step_id": item.step_id,
                    "occurrence": item.occurrence,
                    "available_at": values["due_at"],
                    "attempts": 0,
                    "created_at": now,
                }
            )
        inserted = 0
        for start in range(0, len(rows), _INSERT_CHUNK):
            statement = insert_ignoring_conflicts(
                self._session, ScheduledMessage, ["enrollment_id", "step_id", "occurrence"]
            ).values(rows[start : start + _INSERT_CHUNK])
            result = await self._session.execute(statement)
            inserted += max(int(result.rowcount), 0)  # type: ignore[attr-defined]
        return inserted

    async def replace_pending(
        self, enrollment_id: int, planned: Sequence[PlannedMessageLike], now: datetime
    ) -> PlanReplacement:
        """Re-plan an enrollment (reschedule, new time zone or language).

        Rows are matched by their (step_id, occurrence) key, which stays unique:
        - a pending row whose key is in the new plan is updated in place;
        - a pending row whose key is not in the new plan is cancelled;
        - a new key is inserted (only once the patient's chat is bound);
        - rows that are sending, sent, expired, failed or cancelled are never touched and
          their keys are not re-sent: a reminder already delivered is not repeated, and a
          cancelled one (e.g. after /stop) is never revived.
        Every write is guarded by `status = 'pending'`, so a message a delivery process
        claimed meanwhile is left to it.
        """
        require_aware(now, "now")
        existing = {
            (row.step_id, row.occurrence): row
            for row in await self._rows(ScheduledMessage.enrollment_id == enrollment_id)
        }
        updated = inserted = cancelled = 0
        to_insert: list[PlannedMessageLike] = []
        wanted: set[tuple[str, int]] = set()
        for item in planned:
            key = (item.step_id, item.occurrence)
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                to_insert.append(item)
                continue
            if row.status != MessageStatus.PENDING:
                continue
            values = _planned_values(item, now)
            # A retry waiting out its backoff keeps waiting unless the due time itself moved.
            available_at = row.available_at if row.due_at == values["due_at"] else values["due_at"]
            updated += await self._update_pending(row.id, available_at=available_at, **values)
        for key, row in existing.items():
            if key not in wanted and row.status == MessageStatus.PENDING:
                cancelled += await cancel_pending_in(
                    self._session, ScheduledMessage.id == row.id, now, "replaced"
                )
        if to_insert:
            found = (
                await self._session.execute(
                    select(Patient.id, Patient.chat_id)
                    .join(Enrollment, Enrollment.patient_id == Patient.id)
                    .where(Enrollment.id == enrollment_id)
                )
            ).first()
            if found is not None and found.chat_id is not None:
                inserted = await self.insert_plan(
                    enrollment_id=enrollment_id,
                    patient_id=found.id,
                    chat_id=found.chat_id,
                    planned=to_insert,
                    now=now,
                )
        return PlanReplacement(updated=updated, inserted=inserted, cancelled=cancelled)

    async def _update_pending(self, message_id: int, **values: Any) -> int:
        result = await self._session.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.id == message_id,
                ScheduledMessage.status == MessageStatus.PENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_pending_for_patient(self, patient_id: int, now: datetime, reason: str) -> int:
        """Cancel every pending message to the patient (/stop, blocked bot); the count.

        `reason` (no personal data) is kept in last_error as "cancelled: <reason>". Staff
        alerts about the patient go to the staff chat and are not touched.
        """
        return await cancel_pending_in(
            self._session, ScheduledMessage.patient_id == patient_id, now, reason
        )

    async def cancel_pending_for_enrollment(
        self, enrollment_id: int, now: datetime, reason: str
    ) -> int:
        """Cancel every pending message of the enrollment; the count (`reason` as above)."""
        return await cancel_pending_in(
            self._session, ScheduledMessage.enrollment_id == enrollment_id, now, reason
        )

    async def cancel_pending_step(
        self, enrollment_ids: Iterable[int], step_id: str, now: datetime, reason: str
    ) -> int:
        """Cancel the pending messages of one step (e.g. the recall) of these enrollments."""
        ids = sorted(set(enrollment_ids))
        if not ids:
            return 0
        return await cancel_pending_in(
            self._session,
            ScheduledMessage.enrollment_id.in_(ids) & (ScheduledMessage.step_id == step_id),
            now, reason,
        )
    async def cancel_pending_by_id(self, message_id: int, now: datetime, reason: str) -> int:
        """Cancel one message if it is still pending (1), else leave it (0)."""
        return await cancel_pending_in(self._session, ScheduledMessage.id == message_id, now,
                                       reason)

    async def revive_cancelled(self, enrollment_id: int, reason: str, at: datetime) -> int:
        """Undo a cancel: the enrollment's messages cancelled with `reason` at `at` are
        pending again (the caller re-plans them at once with `replace_pending`)."""
        require_aware(at, "at")
        result = await self._session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.enrollment_id == enrollment_id,
                   ScheduledMessage.status == MessageStatus.CANCELLED,
                   ScheduledMessage.last_error == f"cancelled: {reason}"[:LAST_ERROR_CHARS],
                   ScheduledMessage.finished_at == at)
            .values(status=MessageStatus.PENDING, finished_at=None, last_error=None)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def list_for_enrollment(self, enrollment_id: int) -> tuple[MessageRecord, ...]:
        """The whole plan with delivery status, in due order (for /patient)."""
        rows = await self._rows(
            ScheduledMessage.enrollment_id == enrollment_id,
            order=(ScheduledMessage.due_at, ScheduledMessage.id),
        )
        return tuple(message_record(row) for row in rows)

    async def upcoming_for_patient(
        self, patient_id: int, now: datetime, limit: int = 50
    ) -> tuple[MessageRecord, ...]:
        """Messages still to go out (pending or sending, not past expiry), soonest first (/plan)."""
        require_aware(now, "now")
        query = (
            select(ScheduledMessage)
            .where(
                ScheduledMessage.patient_id == patient_id,
                ScheduledMessage.status.in_(sorted(MessageStatus.OPEN)),
                (ScheduledMessage.expires_at.is_(None)) | (ScheduledMessage.expires_at > now),
            )
            .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return tuple(message_record(row) for row in await self._session.scalars(query))

    async def get(self, message_id: int) -> MessageRecord | None:
        rows = await self._rows(ScheduledMessage.id == message_id)
        return message_record(rows[0]) if rows else None

    async def enqueue_alert(
        self, *, chat_id: int, text: str, now: datetime, about_patient_id: int | None = None
    ) -> int:
        """Queue a staff alert that could not be posted at once; delivery retries it.

        It goes to the staff chat `chat_id`, so it has no enrollment and no patient_id: the
        (enrollment, step, occurrence) key has a NULL part and any number of alert rows
        coexist, and nothing done to the patient's own messages (/stop, a blocked chat)
        touches it. `about_patient_id` names the patient the alert is about, so that
        erasure finds it. Alerts ignore quiet hours: staff must hear about a red flag at
        3 a.m. too.
        """
        require_aware(now, "now")
        row = ScheduledMessage(**Outgoing(
            kind=MessageKind.ALERT, chat_id=chat_id, text=text, step_id=ALERT_STEP, now=now,
            about_patient_id=about_patient_id).values())
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def failed_since(self, since: datetime) -> int:
        """How many messages ended as failed at or after `since`."""
        require_aware(since, "since")
        count = await self._session.scalar(
            select(func.count()).where(
                ScheduledMessage.status == MessageStatus.FAILED,
                ScheduledMessage.finished_at >= since,
            )
        )
        return int(count or 0)

    async def stats(self, now: datetime) -> MessageStats:
        """Counts by status and by protocol, the due backlog and the oldest due message."""
        require_aware(now, "now")
        by_status: dict[str, int] = dict.fromkeys(MessageStatus, 0)
        # Pre-care planned after its time expired at planning (its finished_at is its
        # created_at): never sendable, no delivery fault, so not counted as "expired".
        sendable = or_(ScheduledMessage.status != MessageStatus.EXPIRED,
                       ScheduledMessage.finished_at != ScheduledMessage.created_at)
        for status, count in await self._session.execute(
            select(ScheduledMessage.status, func.count()).where(sendable)
            .group_by(ScheduledMessage.status)
        ):
            by_status[status] = int(count)
        by_protocol: dict[str, dict[str, int]] = {}
        for protocol_id, status, count in await self._session.execute(
            select(Enrollment.protocol_id, ScheduledMessage.status, func.count())
            .join(Enrollment, Enrollment.id == ScheduledMessage.enrollment_id)
            .where(sendable)
            .group_by(Enrollment.protocol_id, ScheduledMessage.status)
        ):
            counts = by_protocol.setdefault(protocol_id, dict.fromkeys(MessageStatus, 0))
            counts[status] = int(count)
        pending = due_pending(now)
        due = (await self._session.execute(
            select(func.count(), func.min(pending.c.due_at)))).one()
        return MessageStats(
            by_status=by_status,
            by_protocol=by_protocol,
            due_backlog=int(due[0]),
            oldest_due_at=due[1],
        )
