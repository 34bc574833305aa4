"""What delivery outcomes mean for cases: a card just sent becomes its case's card; a
patient's forum topic just made becomes theirs and the posts waiting for it go into it (or,
if they erased their data meanwhile, it is renamed and closed); a patient's message that
failed for good opens a delivery case; a round of an escalation ladder that is done queues
the next one while its case is open; a post about a patient who erased their data while it
was being sent is erased, and an erasure's last row reports what Telegram refused
(storage/staff_chat_erasure.py). Core SQL, in the outcome transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ladder import LADDER_PREFIX, Ladder, ladder_run_of
from core.statuses import (
    TOPIC_PENDING,
    EnrollmentStatus,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
)
from core.texts.alerts import UNREACHABLE_NOTE, AlertFacts, compose_alert
from storage.models import CaseMessage, Enrollment, Escalation, Patient, ScheduledMessage
from storage.outgoing import Outgoing
from storage.staff_chat_erasure import after_outcomes, forgotten, queue_topic_close

MESSAGES = cast(Table, ScheduledMessage.__table__)
CASES = cast(Table, Escalation.__table__)
CASE_MESSAGES = cast(Table, CaseMessage.__table__)
PATIENTS = cast(Table, Patient.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
POST_STEP = "case"  # step_id of a staff-chat post (storage/repositories/escalations.py)
# What each outcome hook below reads: the statuses and kinds of its outcomes.
_CARDS = (frozenset({MessageStatus.SENT}), frozenset({MessageKind.CARD}))
_TOPICS = (MessageStatus.TERMINAL, frozenset({MessageKind.TOPIC_OPEN}))
_FAILED = (frozenset({MessageStatus.FAILED}), MessageKind.TO_PATIENT)
_ROUNDS = (MessageStatus.TERMINAL, frozenset({MessageKind.ALERT}))
_POSTS = (frozenset({MessageStatus.SENT}), MessageKind.ABOUT_PATIENT)
_ERASED = (MessageStatus.TERMINAL, MessageKind.ERASURE)
# Every (status, kind) some hook reads: an outcome of any other costs nothing.
_HOOKED = frozenset((status, kind)
                    for statuses, kinds in (_CARDS, _TOPICS, _FAILED, _ROUNDS, _POSTS, _ERASED)
                    for status in statuses for kind in kinds)


async def record_for_cases(
    conn: AsyncConnection, outcomes: Sequence[tuple[int, str, datetime, str | None]],
    ladder: Ladder | None = None,
) -> None:
    """`outcomes`: (message id, status, when, MessageKind or None if not known) of what was
    just recorded. A kind that cannot matter (a reminder sent) costs no statement here.
    `ladder`: the escalation policy (None: ladders stop after the rounds already queued)."""

    # One look at the batch first: a batch of reminders sent has nothing for any hook.
    hooked = [outcome for outcome in outcomes
              if outcome[3] is None or (outcome[1], outcome[3]) in _HOOKED]
    if not hooked:
        return

    def of(statuses: frozenset[str], kinds: frozenset[str]) -> dict[int, datetime]:
        return {message_id: at for message_id, status, at, kind in hooked
                if status in statuses and (kind is None or kind in kinds)}

    cards = of(*_CARDS)
    if cards:
        await _link_cards(conn, list(cards))
    topics = of(*_TOPICS)
    if topics:
        await _topics(conn, topics)
    failed = of(*_FAILED)
    if failed:
        await _delivery_cases(conn, failed)
    rounds = of(*_ROUNDS)
    if rounds and ladder is not None:
        await _next_rounds(conn, rounds, ladder)
    posts = of(*_POSTS)
    erased = of(*_ERASED)
    if posts or erased:
        at = max(at for _id, _status, at, _kind in outcomes)
        await after_outcomes(conn, sorted(posts), sorted(erased), at)


async def _link_cards(conn: AsyncConnection, sent_ids: Sequence[int]) -> None:
    """A case card just sent: the case remembers its message (the card's buttons edit it,
    a reply to it is relayed), the newest when it has several. One statement; rows that
    are not cards change nothing."""
    m, c = MESSAGES, CASES
    # A case made urgent again gets a fresh card: the newest one is the case's card.
    card = (
        select(m.c.chat_id, m.c.telegram_message_id)
        .where(m.c.case_id == c.c.id, m.c.kind == MessageKind.CARD,
               m.c.id.in_(sorted(sent_ids)))
        .order_by(m.c.id.desc())
        .limit(1)
    )
    await conn.execute(
        update(c)
        .where(c.c.id.in_(select(m.c.case_id).where(m.c.id.in_(sorted(sent_ids)),
                                                    m.c.kind == MessageKind.CARD)))
        .values(alert_chat_id=card.with_only_columns(m.c.chat_id).scalar_subquery(),
                alert_message_id=card.with_only_columns(m.c.telegram_message_id)
                .scalar_subquery())
    )


async def _topics(conn: AsyncConnection, done: dict[int, datetime]) -> None:
    """A patient's topic made (TOPIC_OPEN sent: its "message id" is the topic): the patient
    has it, and their posts waiting for it (thread TOPIC_PENDING) go into it. Not made for
    good (failed, cancelled): they go to the chat itself, and the next case tries again.
    The waiting posts are found by the patient they are about (about_patient_id)."""
    m, p = MESSAGES, PATIENTS
    rows = (await conn.execute(
        select(m.c.id, m.c.chat_id, m.c.about_patient_id, m.c.status, m.c.telegram_message_id)
        .where(m.c.id.in_(sorted(done)), m.c.kind == MessageKind.TOPIC_OPEN,
               m.c.about_patient_id.is_not(None))
    )).all()
    gone = await forgotten(conn, {row.about_patient_id for row in rows})
    for row in rows:
        topic = row.telegram_message_id if row.status == MessageStatus.SENT else None
        if topic is not None and row.about_patient_id in gone:
            # Made while the patient was erasing their data: named by their label, so it
            # is renamed to the bare id and closed at once.
            await queue_topic_close(conn, row.about_patient_id, row.chat_id, topic,
                                    done[row.id])
        await conn.execute(
            update(p).where(p.c.id == row.about_patient_id,
                            p.c.staff_topic_id == TOPIC_PENDING)
            .values(staff_topic_id=topic)
        )
        await conn.execute(
            update(m).where(m.c.chat_id == row.chat_id, m.c.telegram_message_id.is_(None),
                            m.c.about_patient_id == row.about_patient_id,
                            m.c.thread_id == TOPIC_PENDING)
            .values(thread_id=topic)
        )


async def _delivery_cases(conn: AsyncConnection, failed: dict[int, datetime]) -> None:
    """A reminder or check-in that failed for good: the patient did not get their aftercare,
    so staff must look. It opens a delivery case for the patient (or joins their unresolved
    one). No card of its own: the failures of a pass are announced together in one staff
    notice (jobs/alerts.py), so a broken content file cannot flood the staff chat."""
    m, c = MESSAGES, CASES
    rows = (await conn.execute(
        select(m.c.id, m.c.patient_id, m.c.enrollment_id, m.c.step_id)
        .where(m.c.id.in_(sorted(failed)), m.c.patient_id.is_not(None),
               m.c.kind.in_(sorted(MessageKind.TO_PATIENT)))
        .order_by(m.c.id)
    )).all()
    for row in rows:
        at = failed[row.id]
        words = f"message {row.id} ({row.step_id}) not delivered"
        case_id = await conn.scalar(
            select(c.c.id).where(c.c.patient_id == row.patient_id,
                                 c.c.status.in_(sorted(EscalationStatus.UNRESOLVED)))
            .order_by(c.c.created_at, c.c.id).limit(1)
        )
        if case_id is None:
            await conn.execute(insert(c).values(
                patient_id=row.patient_id, enrollment_id=row.enrollment_id,
                kind=EscalationKind.DELIVERY, rule_id=f"message:{row.id}", patient_text=words,
                status=EscalationStatus.OPEN, created_at=at,
            ))
        else:
            await conn.execute(insert(CASE_MESSAGES).values(
                escalation_id=case_id, at=at, kind=EscalationKind.DELIVERY,
                patient_text=words,
            ))


async def _next_rounds(conn: AsyncConnection, done: dict[int, datetime], ladder: Ladder) -> None:
    """A ladder round is done (one of its rows ended: sent, failed, or cancelled because
    that chat is unreachable): the next round is queued, in this transaction, while the
    case is still open and this is its current ladder run (core/ladder.py). One round
    waits at a time: a round already queued by another of the round's rows is not queued
    again (the case row is locked first on PostgreSQL; SQLite writers queue anyway), so
    a restart or a second delivery process neither loses nor doubles one."""
    m, c = MESSAGES, CASES
    rows = (await conn.execute(
        select(m.c.id, m.c.case_id, m.c.step_id, m.c.occurrence, m.c.due_at)
        .where(m.c.id.in_(sorted(done)), m.c.case_id.is_not(None),
               m.c.kind == MessageKind.ALERT, m.c.step_id.startswith(LADDER_PREFIX),
               m.c.status.in_(sorted(MessageStatus.TERMINAL)))
    )).all()
    latest: dict[tuple[int, str], Any] = {}
    for row in rows:
        key = (row.case_id, row.step_id)
        if key not in latest or row.occurrence > latest[key].occurrence:
            latest[key] = row
    for (case_id, step_id), row in sorted(latest.items()):
        case = (await conn.execute(
            select(c.c.status, c.c.kind, c.c.patient_id, c.c.ladder_run, c.c.created_at,
                   c.c.raised_at)
            .where(c.c.id == case_id).with_for_update()
        )).first()
        if (case is None or case.status != EscalationStatus.OPEN
                or ladder_run_of(step_id) != case.ladder_run):
            continue  # someone has it, or a newer run of its ladder is under way
        queued = await conn.scalar(
            select(m.c.id).where(m.c.case_id == case_id, m.c.kind == MessageKind.ALERT,
                                 m.c.step_id == step_id, m.c.occurrence > row.occurrence)
            .limit(1)
        )
        if queued is not None:
            continue
        at = done[row.id]
        following = ladder.next_round(
            case_id=case_id, patient_id=case.patient_id, kind=case.kind,
            start=case.raised_at or case.created_at, after=row.occurrence,
            due_at=row.due_at, at=at,
        )
        if following is None:
            continue
        await conn.execute(insert(m), [
            Outgoing(kind=MessageKind.ALERT, chat_id=post.chat_id, text=post.text,
                     step_id=step_id, occurrence=following.number, now=at,
                     due_at=following.due_at, about_patient_id=case.patient_id,
                     case_id=case_id).values()
            for post in following.posts
        ])


async def unreachable_case(
    conn: AsyncConnection, *, patient_id: int, at: datetime, staff_chat: int
) -> int:
    """A patient delivery found unreachable (403: blocked, or the account deleted): an
    unreachable case with the clinic's note to call them, its card queued for the staff
    chat (in the patient's topic when they have one), or, when a case of theirs is
    unresolved, the note joins it. Returns the case id. Core SQL in the outcome's
    transaction: the bot's own path (services) opens it with raise_alert."""
    c, m, p, e = CASES, MESSAGES, PATIENTS, ENROLLMENTS
    patient = (await conn.execute(
        select(p.c.label, p.c.staff_topic_id).where(p.c.id == patient_id)
    )).first()
    enrollment = (await conn.execute(
        select(e.c.id, e.c.protocol_id).where(e.c.patient_id == patient_id)
        .order_by((e.c.status == EnrollmentStatus.ACTIVE).desc(), e.c.id.desc()).limit(1)
    )).first()
    topic = None if patient is None else patient.staff_topic_id
    case_id = await conn.scalar(
        select(c.c.id).where(c.c.patient_id == patient_id,
                             c.c.status.in_(sorted(EscalationStatus.UNRESOLVED)))
        .order_by(c.c.created_at, c.c.id).limit(1)
    )
    joined = case_id is not None
    if case_id is None:
        inserted = await conn.execute(insert(c).values(
            patient_id=patient_id, enrollment_id=enrollment.id if enrollment else None,
            kind=EscalationKind.UNREACHABLE, rule_id="chat unreachable",
            patient_text=UNREACHABLE_NOTE, status=EscalationStatus.OPEN, created_at=at,
        ).returning(c.c.id))
        case_id = int(inserted.scalar_one())
    else:
        await conn.execute(insert(CASE_MESSAGES).values(
            escalation_id=case_id, at=at, kind=EscalationKind.UNREACHABLE,
            patient_text=UNREACHABLE_NOTE,
        ))
    text = compose_alert(AlertFacts(
        kind=EscalationKind.UNREACHABLE, escalation_id=case_id, patient_id=patient_id,
        label=None if patient is None else patient.label, words=UNREACHABLE_NOTE,
        rule_id="chat unreachable", protocol_id=enrollment.protocol_id if enrollment else None,
        enrollment_id=enrollment.id if enrollment else None,
    ), joined=joined, in_topic=topic is not None)
    await conn.execute(insert(m).values(Outgoing(
        kind=MessageKind.POST if joined else MessageKind.CARD, chat_id=staff_chat, text=text,
        step_id=POST_STEP, now=at, about_patient_id=patient_id, case_id=case_id,
        thread_id=topic).values()))
    return case_id
