"""Escalation (case) repository: what staff must see, its transitions (open -> acknowledged ->
resolved), the messages that joined it, and the alert message a reply is relayed from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal_column, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.ladder import LADDER_PREFIX
from core.records import CaseMessageRecord, EscalationRecord
from core.sanitize import clean_optional
from core.statuses import (
    CaseClosure,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
    most_urgent,
    parse,
)
from storage.models import CaseMessage, Escalation, ScheduledMessage
from storage.outgoing import Outgoing

CASE_STEP = "case"  # step_id of an escalation timer in the outbox
ALBUM_PREFIX = "album:"  # + media_group_id: step_id of the copy of a patient's album
ANSWER_STEP = "answer"  # step_id of a staff command's answer recorded as sent (/case)


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
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_by=row.resolved_by,
        assigned_to=row.assigned_to,
        staff_reply_message_id=row.staff_reply_message_id,
        raised_at=row.raised_at,
        raised_text=row.raised_text,
        ladder_run=row.ladder_run or 0,
        closed_reason=row.closed_reason,
    )


def case_message_record(row: CaseMessage) -> CaseMessageRecord:
    return CaseMessageRecord(
        id=row.id, escalation_id=row.escalation_id, at=row.at, kind=row.kind,
        patient_text=row.patient_text,
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
        parsed = parse(EscalationKind, kind, "escalation kind")
        row = Escalation(
            patient_id=patient_id,
            enrollment_id=enrollment_id,
            kind=parsed,
            rule_id=rule_id,
            patient_text=clean_optional(patient_text),
            status=EscalationStatus.OPEN,
            created_at=now,
            # An urgent case escalates from the start: its ladder's first run.
            ladder_run=1 if parsed in EscalationKind.URGENT else 0,
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
        """The case whose card, or one of whose later posts (a follow-up, a copied photo,
        a re-alert), is that staff-chat message."""
        row = await self._session.scalar(
            select(Escalation).join(
                ScheduledMessage, ScheduledMessage.case_id == Escalation.id
            ).where(
                ScheduledMessage.chat_id == chat_id,
                ScheduledMessage.telegram_message_id == message_id,
                # ix_messages_posted holds group chats' rows only: the planner uses it
                # when the query says so in as many words (a literal, not a parameter).
                ScheduledMessage.chat_id < literal_column("0") if chat_id < 0 else true(),
            ).limit(1)
        )
        if row is None:  # posted before every staff post went through the outbox
            row = await self._session.scalar(
                select(Escalation).where(
                    Escalation.alert_chat_id == chat_id, Escalation.alert_message_id == message_id
                )
            )
        if row is None:
            row = await self._session.scalar(
                select(Escalation).join(CaseMessage).where(
                    CaseMessage.alert_chat_id == chat_id,
                    CaseMessage.alert_message_id == message_id,
                )
            )
        return None if row is None else escalation_record(row)

    async def card_post(self, escalation_id: int) -> tuple[int, int] | None:
        """(chat id, message id) of the case's card once it is in the staff chat: its
        newest, when the case was made urgent again and got a fresh one."""
        found = (await self._session.execute(
            select(ScheduledMessage.chat_id, ScheduledMessage.telegram_message_id).where(
                ScheduledMessage.case_id == escalation_id,
                ScheduledMessage.kind == MessageKind.CARD,
                ScheduledMessage.telegram_message_id.is_not(None),
            ).order_by(ScheduledMessage.id.desc()).limit(1)
        )).first()
        if found is not None and found[1] is not None:
            return int(found[0]), int(found[1])
        row = await self._session.get(Escalation, escalation_id)
        if row is None or row.alert_chat_id is None or row.alert_message_id is None:
            return None
        return int(row.alert_chat_id), int(row.alert_message_id)

    async def set_staff_reply(self, escalation_id: int, message_id: int) -> None:
        """The staff message just relayed to the patient: their answer is threaded under it."""
        await self._session.execute(
            update(Escalation).where(Escalation.id == escalation_id)
            .values(staff_reply_message_id=message_id)
        )

    async def _transition(
        self, escalation_id: int, expected: frozenset[EscalationStatus], **values: Any
    ) -> EscalationRecord | None:
        """Compare-and-set: change the case only if its status is one of `expected` at the
        moment of writing (one UPDATE ... WHERE status IN ...: a concurrent transition that
        committed first makes this one change nothing). None if it changed nothing."""
        result = await self._session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id,
                   Escalation.status.in_(sorted(expected)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if int(result.rowcount) != 1:  # type: ignore[attr-defined]
            return None
        return await self.get_fresh(escalation_id)

    async def get_fresh(self, escalation_id: int) -> EscalationRecord | None:
        """The case as the database has it now (not as this session first read it)."""
        row = await self._session.get(Escalation, escalation_id, populate_existing=True)
        return None if row is None else escalation_record(row)

    async def acknowledge(
        self, escalation_id: int, by: int | None, now: datetime
    ) -> EscalationRecord | None:
        """open -> acknowledged by `by`; None if unknown or not open (someone was first)."""
        require_aware(now, "now")
        changed = await self._transition(
            escalation_id, frozenset({EscalationStatus.OPEN}),
            status=EscalationStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by)
        if changed is not None:
            await self._stop_ladder(escalation_id, changed.status, now)
        return changed

    async def resolve(
        self, escalation_id: int, by: int | None, now: datetime
    ) -> EscalationRecord | None:
        """open or acknowledged -> resolved by `by` (an open one counts as acknowledged by
        them too); None if unknown or already resolved."""
        require_aware(now, "now")
        unacknowledged = Escalation.acknowledged_at.is_(None)
        changed = await self._transition(
            escalation_id, EscalationStatus.UNRESOLVED,
            status=EscalationStatus.RESOLVED, closed_at=now, resolved_by=by,
            acknowledged_at=func.coalesce(Escalation.acknowledged_at, now),
            acknowledged_by=case((unacknowledged, by), else_=Escalation.acknowledged_by),
        )
        if changed is not None:
            await self._stop_ladder(escalation_id, changed.status, now)
        return changed

    async def close_erased(self, escalation_id: int, now: datetime) -> bool:
        """An unresolved case closed because the patient erased their data (nobody can
        answer it through the bot); False if it was resolved meanwhile."""
        require_aware(now, "now")
        changed = await self._transition(
            escalation_id, EscalationStatus.UNRESOLVED, status=EscalationStatus.RESOLVED,
            closed_at=now, closed_reason=CaseClosure.ERASED)
        return changed is not None

    async def _stop_ladder(self, escalation_id: int, status: str, now: datetime) -> None:
        """Someone has the case: its pending escalation timers are cancelled now, so no
        screen lists them as due (delivery would also drop them when they come due)."""
        await self._session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.case_id == escalation_id,
                   ScheduledMessage.kind == MessageKind.ALERT,
                   ScheduledMessage.status == MessageStatus.PENDING)
            .values(status=MessageStatus.CANCELLED, finished_at=now,
                    last_error=f"case {status}")
            .execution_options(synchronize_session=False)
        )

    async def close(self, escalation_id: int, now: datetime) -> bool:
        """Resolve without a person (kept for callers that had closing); False if it was not
        unresolved."""
        return await self.resolve(escalation_id, None, now) is not None

    async def assign(
        self, escalation_id: int, to: int, *, holder: int | None = None
    ) -> EscalationRecord | None:
        """Give an unresolved case to `to`, taking it from `holder` (who had it when the
        caller read it: none, or a colleague); None if unknown, resolved, theirs already,
        or taken by someone else meanwhile."""
        if holder == to:
            return None
        result = await self._session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id,
                   Escalation.status.in_(sorted(EscalationStatus.UNRESOLVED)),
                   Escalation.assigned_to.is_(None) if holder is None
                   else Escalation.assigned_to == holder)
            .values(assigned_to=to)
            .execution_options(synchronize_session=False)
        )
        if int(result.rowcount) != 1:  # type: ignore[attr-defined]
            return None
        return await self.get_fresh(escalation_id)

    async def unresolved_for(self, patient_id: int) -> EscalationRecord | None:
        """The patient's oldest unresolved case, if any (new messages attach to it)."""
        row = await self._session.scalar(
            select(Escalation)
            .where(Escalation.patient_id == patient_id,
                   Escalation.status.in_(EscalationStatus.UNRESOLVED))
            .order_by(Escalation.created_at, Escalation.id)
            .limit(1)
        )
        return None if row is None else escalation_record(row)

    async def raise_urgent(
        self, escalation_id: int, *, kind: str, rule_id: str | None, words: str | None,
        now: datetime,
    ) -> EscalationRecord | None:
        """Something urgent (`kind`: a red flag or a worrying check-in answer, its `words`)
        joined the case: it is about the most urgent of the two now, open again whoever
        had acknowledged it (the audit keeps who did; an assignee stays), and its ladder
        starts a new run (the caller queues the run's first round). Pending timers of an
        earlier run are cancelled. None if the case was resolved meanwhile (compare-and-set
        on its status: the caller opens a new one)."""
        require_aware(now, "now")
        current = await self.get_fresh(escalation_id)
        if current is None:
            raise LookupError(f"no escalation {escalation_id}")
        changed = await self._transition(
            escalation_id, EscalationStatus.UNRESOLVED,
            kind=most_urgent(current.kind, kind), rule_id=rule_id or current.rule_id,
            status=EscalationStatus.OPEN, acknowledged_at=None, acknowledged_by=None,
            raised_at=now, raised_text=clean_optional(words),
            ladder_run=func.coalesce(Escalation.ladder_run, 0) + 1,
        )
        if changed is not None:
            await self._stop_ladder(escalation_id, "raised again", now)
        return changed

    async def ladder_live(self, escalation_id: int) -> bool:
        """Whether the case's ladder has a timer still waiting (or being sent)."""
        found = await self._session.scalar(
            select(ScheduledMessage.id).where(
                ScheduledMessage.case_id == escalation_id,
                ScheduledMessage.kind == MessageKind.ALERT,
                ScheduledMessage.step_id.startswith(LADDER_PREFIX),
                ScheduledMessage.status.in_(sorted(MessageStatus.OPEN)),
            ).limit(1)
        )
        return found is not None

    async def add_message(
        self, escalation_id: int, *, kind: str, patient_text: str | None, now: datetime
    ) -> CaseMessageRecord:
        """Record what joined the case (its staff-chat post is set later)."""
        require_aware(now, "now")
        row = CaseMessage(
            escalation_id=escalation_id, at=now, kind=parse(EscalationKind, kind, "kind"),
            patient_text=clean_optional(patient_text),
        )
        self._session.add(row)
        await self._session.flush()
        return case_message_record(row)

    async def set_message_post(self, message_id: int, chat_id: int, posted_id: int) -> None:
        await self._session.execute(
            update(CaseMessage).where(CaseMessage.id == message_id)
            .values(alert_chat_id=chat_id, alert_message_id=posted_id)
        )

    async def messages(self, escalation_id: int) -> tuple[CaseMessageRecord, ...]:
        """What joined the case, in order."""
        rows = await self._session.scalars(
            select(CaseMessage).where(CaseMessage.escalation_id == escalation_id)
            .order_by(CaseMessage.at, CaseMessage.id)
        )
        return tuple(case_message_record(row) for row in rows)

    async def enqueue_timer(
        self, escalation_id: int, *, chat_id: int, text: str, due_at: datetime,
        now: datetime, patient_id: int | None = None, about_patient_id: int | None = None,
        step_id: str = CASE_STEP, occurrence: int = 0,
    ) -> int:
        """An escalation timer: an outbox row due at `due_at` that delivery sends only while
        the case is still open (else cancels it, "case acknowledged"). `patient_id` when it
        goes to the patient (so /stop and /forget stop it too); staff rows name the patient
        in `about_patient_id`. A ladder round's rows carry its run and number (`step_id`
        "ladder:<run>", `occurrence`): the next round is queued when they are done
        (storage/outbox_cases.py). Timers ignore quiet hours: a red flag is urgent at night
        too."""
        require_aware(now, "now")
        row = ScheduledMessage(**Outgoing(
            kind=MessageKind.ALERT, chat_id=chat_id, text=text, step_id=step_id,
            occurrence=occurrence, now=now, due_at=due_at, patient_id=patient_id,
            about_patient_id=about_patient_id, case_id=escalation_id).values())
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def enqueue_post(
        self, *, kind: MessageKind, chat_id: int, text: str, now: datetime,
        case_id: int | None, about_patient_id: int | None, thread_id: int | None = None,
        reply_to: int | None = None, copy_from: tuple[int, int] | None = None,
        album: str | None = None, due_at: datetime | None = None, step_id: str = CASE_STEP,
    ) -> int:
        """A post to the staff chat, due now: a case's card (kind CARD, with its buttons),
        a later message of it or a notice about a patient (POST), or a copy of the
        patient's media (COPY: `copy_from` is the patient's (chat, message) ids; file
        references only, nothing is downloaded). Delivery sends them in order at the group's
        pace; `thread_id` is the patient's forum topic, `reply_to` the message a post answers
        (threading in a group without topics). Ignores quiet hours. `album`: the copy is of
        an album's first message (its media_group_id), due at `due_at`, so that the rest
        join it (`join_album`) and go with it. `step_id` PHOTO_POST_STEP: a copy whose text
        is its caption (a photo check-in's answers)."""
        require_aware(now, "now")
        row = ScheduledMessage(**Outgoing(
            kind=kind, chat_id=chat_id, text=text, now=now, due_at=due_at,
            step_id=step_id if album is None else f"{ALBUM_PREFIX}{album}"[:100],
            about_patient_id=about_patient_id, case_id=case_id, thread_id=thread_id,
            reply_to=reply_to, copy_from=copy_from,
            copy_message_ids=[copy_from[1]] if copy_from and album is not None else None,
        ).values())
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def record_sent_post(
        self, *, chat_id: int, message_id: int, about_patient_id: int, case_id: int | None,
        now: datetime,
    ) -> int:
        """A post the bot already made (not through the outbox): a row recording it as sent,
        with its message id (its text is not kept: erasure only needs to find it)."""
        require_aware(now, "now")
        row = ScheduledMessage(**Outgoing(
            kind=MessageKind.POST, chat_id=chat_id, text="", step_id=ANSWER_STEP, now=now,
            about_patient_id=about_patient_id, case_id=case_id,
            telegram_message_id=message_id).values())
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def join_album(
        self, patient_id: int, album: str, chat_id: int, message_id: int, now: datetime
    ) -> bool:
        """A later message of an album whose first message's copy is queued (`enqueue_post`
        with `album`): it joins that copy, to be copied with it (copyMessages), or, when
        that copy already went, is copied alone right after it, in the same place. False
        if the album has no copy (its first message opened none)."""
        require_aware(now, "now")
        first = await self._session.scalar(
            select(ScheduledMessage).where(
                ScheduledMessage.about_patient_id == patient_id,
                ScheduledMessage.step_id == f"{ALBUM_PREFIX}{album}"[:100],
                ScheduledMessage.kind == MessageKind.COPY,
            ).order_by(ScheduledMessage.id).limit(1)
        )
        if first is None:
            return False
        known = first.copy_message_ids or (
            [first.copy_message_id] if first.copy_message_id is not None else [])
        ids = sorted({*known, message_id})
        joined = await self._session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.id == first.id,
                   ScheduledMessage.status == MessageStatus.PENDING)
            .values(copy_message_ids=ids)
            .execution_options(synchronize_session=False)
        )
        if int(joined.rowcount) == 1:  # type: ignore[attr-defined]
            return True
        await self.enqueue_post(
            kind=MessageKind.COPY, chat_id=first.chat_id, text=first.text, now=now,
            case_id=first.case_id, about_patient_id=patient_id, thread_id=first.thread_id,
            reply_to=first.reply_to_message_id, copy_from=(chat_id, message_id),
        )
        return True

    async def timers(self, escalation_id: int) -> tuple[tuple[int, str], ...]:
        """(outbox id, status) of the case's escalation timers."""
        rows = await self._session.execute(
            select(ScheduledMessage.id, ScheduledMessage.status)
            .where(ScheduledMessage.case_id == escalation_id,
                   ScheduledMessage.kind == MessageKind.ALERT)
            .order_by(ScheduledMessage.id)
        )
        return tuple((int(i), str(status)) for i, status in rows)

    async def list_open(self, limit: int = 50) -> tuple[EscalationRecord, ...]:
        """Unresolved cases (open or acknowledged), oldest first."""
        rows = await self._session.scalars(
            select(Escalation)
            .where(Escalation.status.in_(EscalationStatus.UNRESOLVED))
            .order_by(Escalation.created_at, Escalation.id)
            .limit(limit)
        )
        return tuple(escalation_record(row) for row in rows)

    async def count_open(self) -> int:
        """How many cases are still unresolved."""
        count = await self._session.scalar(
            select(func.count()).where(Escalation.status.in_(EscalationStatus.UNRESOLVED))
        )
        return int(count or 0)
