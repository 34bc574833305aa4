"""Erasure in the staff chat: the bot's posts about an erased patient are edited to an
erased text, the copies of their media deleted, their forum topic renamed and closed, also
when a post or a topic lands after the erasure (it was in flight), and what Telegram would
not remove is reported to staff once (Core SQL, in the caller's transaction).

Everything here is queued in the outbox (kinds ERASE, DELETE, TOPIC_CLOSE, NOTICE), so it
is paced with the group's other posts, survives a restart, and works from the command line
and the retention job, which have no bot. The bot's posts are found by what delivery
recorded: every sent staff-chat row names its patient (`about_patient_id`) and keeps the
message ids it made (`telegram_message_id`, and `posted_message_ids` for an album's
copies); posts from before the outbox kept theirs on the case (`escalations`,
`case_messages`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.statuses import MessageKind, MessageStatus, PatientStatus
from core.texts.alerts import (
    compose_erased_card,
    compose_erased_post,
    compose_erasure_leftovers,
    topic_name,
)
from storage.models import CaseMessage, Escalation, Patient, ScheduledMessage
from storage.outgoing import Outgoing

MESSAGES = cast(Table, ScheduledMessage.__table__)
CASES = cast(Table, Escalation.__table__)
CASE_MESSAGES = cast(Table, CaseMessage.__table__)
PATIENTS = cast(Table, Patient.__table__)

# step_id of every row erasure queues (edits, deletions, the topic's closing, notices): such
# a row is never itself erased, and is how "already queued" is told.
ERASURE_STEP = "erasure"
# step_id of the one notice listing what Telegram would not let the bot remove.
REPORT_STEP = "erasure-report"


async def queue_post_erasure(
    conn: AsyncConnection, patient_id: int, now: datetime, *,
    only: Collection[int] | None = None,
) -> int:
    """An ERASE (edit to the erased text, buttons gone) for each of the bot's posts about
    the patient that is in a chat, a DELETE for each copy of their media; `only`: just
    these outbox rows (posts that landed after the erasure). A post already queued for
    erasure is not queued again. Returns how many rows were queued."""
    m = MESSAGES
    query = (
        select(m.c.id, m.c.chat_id, m.c.kind, m.c.case_id, m.c.telegram_message_id,
               m.c.posted_message_ids)
        .where(m.c.about_patient_id == patient_id, m.c.status == MessageStatus.SENT,
               m.c.telegram_message_id.is_not(None),
               m.c.kind.in_(sorted(MessageKind.ABOUT_PATIENT)), m.c.step_id != ERASURE_STEP)
        .order_by(m.c.id)
    )
    if only is not None:
        query = query.where(m.c.id.in_(sorted(only)))
    # (chat, message) -> (kind of erasure, text); a card's text wins over its redraws'.
    wanted: dict[tuple[int, int], tuple[MessageKind, str]] = {}
    for row in await conn.execute(query):
        if row.kind == MessageKind.ALERT and row.chat_id > 0:
            continue  # a page to an on-call member's own chat: ids only, not the staff chat
        if row.kind == MessageKind.COPY:
            for posted in row.posted_message_ids or [row.telegram_message_id]:
                wanted[(row.chat_id, int(posted))] = (MessageKind.DELETE, "")
            continue
        card = row.kind in (MessageKind.CARD, MessageKind.CARD_EDIT)
        text = (compose_erased_card(case_id=row.case_id, patient_id=patient_id) if card
                else compose_erased_post(patient_id=patient_id))
        key = (row.chat_id, int(row.telegram_message_id))
        if card or key not in wanted:
            wanted[key] = (MessageKind.ERASE, text)
    if only is None:
        for key, text in await _posted_before_the_outbox(conn, patient_id):
            wanted.setdefault(key, (MessageKind.ERASE, text))
    done = {(chat, message) for chat, message in await conn.execute(
        select(m.c.chat_id, m.c.reply_to_message_id)
        .where(m.c.about_patient_id == patient_id,
               m.c.kind.in_(sorted(MessageKind.ERASURE)))
    )}
    rows = [
        Outgoing(kind=kind, chat_id=chat, text=text, now=now, about_patient_id=patient_id,
                 step_id=ERASURE_STEP, reply_to=message).values()
        # Copies first: the patient's photos and files are what matters most.
        for (chat, message), (kind, text) in sorted(
            wanted.items(), key=lambda item: (item[1][0] != MessageKind.DELETE, item[0]))
        if (chat, message) not in done
    ]
    if rows:
        await conn.execute(insert(m), rows)
    return len(rows)


async def _posted_before_the_outbox(
    conn: AsyncConnection, patient_id: int
) -> list[tuple[tuple[int, int], str]]:
    """Cards and joined posts from before every staff post went through the outbox: their
    message ids are on the case and on what joined it."""
    c, j = CASES, CASE_MESSAGES
    found: list[tuple[tuple[int, int], str]] = []
    for case_id, chat, message in await conn.execute(
        select(c.c.id, c.c.alert_chat_id, c.c.alert_message_id)
        .where(c.c.patient_id == patient_id, c.c.alert_message_id.is_not(None))
    ):
        if chat is not None:
            found.append(((int(chat), int(message)),
                          compose_erased_card(case_id=case_id, patient_id=patient_id)))
    for chat, message in await conn.execute(
        select(j.c.alert_chat_id, j.c.alert_message_id)
        .join(c, c.c.id == j.c.escalation_id)
        .where(c.c.patient_id == patient_id, j.c.alert_message_id.is_not(None))
    ):
        if chat is not None:
            found.append(((int(chat), int(message)), compose_erased_post(patient_id=patient_id)))
    return found


async def queue_topic_close(
    conn: AsyncConnection, patient_id: int, chat_id: int, thread_id: int, now: datetime
) -> bool:
    """The topic renamed to the bare id and closed (once per topic); False if queued
    already."""
    m = MESSAGES
    queued = await conn.scalar(
        select(m.c.id).where(m.c.chat_id == chat_id, m.c.thread_id == thread_id,
                             m.c.kind == MessageKind.TOPIC_CLOSE).limit(1))
    if queued is not None:
        return False
    await conn.execute(insert(m), [Outgoing(
        kind=MessageKind.TOPIC_CLOSE, chat_id=chat_id, text=topic_name(patient_id, None, None),
        now=now, about_patient_id=patient_id, step_id=ERASURE_STEP,
        thread_id=thread_id).values()])
    return True


async def forgotten(conn: AsyncConnection, patient_ids: Collection[int]) -> set[int]:
    """Which of these patients erased their data."""
    if not patient_ids:
        return set()
    p = PATIENTS
    return set(await conn.scalars(
        select(p.c.id).where(p.c.id.in_(sorted(patient_ids)),
                             p.c.status == PatientStatus.FORGOTTEN)))


async def after_outcomes(
    conn: AsyncConnection, sent: Sequence[int], finished: Sequence[int], at: datetime
) -> None:
    """What delivery outcomes mean for erasure. `sent`: posts about a patient just sent
    (one that erased their data meanwhile: in flight at the erasure, it is erased now);
    `finished`: erasure rows just done (the last of a patient's: what failed is reported)."""
    m = MESSAGES
    if sent:
        late = (await conn.execute(
            select(m.c.id, m.c.about_patient_id)
            .where(m.c.id.in_(sorted(sent)), m.c.about_patient_id.is_not(None),
                   m.c.status == MessageStatus.SENT, m.c.step_id != ERASURE_STEP,
                   m.c.kind.in_(sorted(MessageKind.ABOUT_PATIENT)))
        )).all()
        gone = await forgotten(conn, {row.about_patient_id for row in late})
        for patient_id in sorted(gone):
            await queue_post_erasure(conn, patient_id, at, only=[
                row.id for row in late if row.about_patient_id == patient_id])
    if finished:
        patients = set(await conn.scalars(
            select(m.c.about_patient_id).where(
                m.c.id.in_(sorted(finished)), m.c.about_patient_id.is_not(None),
                m.c.kind.in_(sorted(MessageKind.ERASURE)))))
        for patient_id in sorted(patients):
            await _report_leftovers(conn, patient_id, at)


async def _report_leftovers(conn: AsyncConnection, patient_id: int, at: datetime) -> None:
    """Once every erasure row of the patient is done: one notice per chat listing the posts
    Telegram refused to remove, if any (and none was sent before)."""
    m = MESSAGES
    erasure = and_(m.c.about_patient_id == patient_id, m.c.kind.in_(sorted(MessageKind.ERASURE)))
    still_open = await conn.scalar(
        select(m.c.id).where(erasure, m.c.status.in_(sorted(MessageStatus.OPEN))).limit(1))
    if still_open is not None:
        return
    left: dict[int, list[tuple[int, int]]] = {}
    for chat, message in await conn.execute(
        select(m.c.chat_id, m.c.reply_to_message_id)
        .where(erasure, m.c.status == MessageStatus.FAILED).order_by(m.c.id)
    ):
        left.setdefault(int(chat), []).append((int(chat), int(message)))
    if not left:
        return
    reported = set(await conn.scalars(
        select(m.c.chat_id).where(m.c.about_patient_id == patient_id,
                                  m.c.step_id == REPORT_STEP)))
    rows = [
        Outgoing(kind=MessageKind.NOTICE, chat_id=chat, now=at, about_patient_id=patient_id,
                 step_id=REPORT_STEP,
                 text=compose_erasure_leftovers(patient_id=patient_id, left=posts)).values()
        for chat, posts in sorted(left.items()) if chat not in reported
    ]
    if rows:
        await conn.execute(insert(m), rows)
