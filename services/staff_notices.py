"""Posts to a group that are not a case's: short answers to staff in the staff chat (a
relay's outcome), refusals to people who are not staff, /myid, notices (the daily digest),
an orphan topic closed. All go through the outbox like every group post (paced with the
group's other posts, red flags first, kept across a restart); a refusal to one person in
one chat goes at most once a minute, so a stranger typing in a topic cannot jam the group.
"""

from __future__ import annotations

from datetime import datetime

from core.statuses import MessageKind, PatientStatus
from services.context import AppContext
from storage.repositories import Store
from storage.staff_chat_erasure import queue_topic_close


async def queue_notice(
    ctx: AppContext, *, chat_id: int, text: str, now: datetime,
    about_patient_id: int | None = None, thread_id: int | None = None,
    reply_to: int | None = None, kind: MessageKind = MessageKind.POST,
) -> int:
    """A post (safe HTML) to `chat_id`, due now; `about_patient_id`: it is about a patient
    (erasure edits it), `thread_id` the forum topic, `reply_to` the message it answers."""
    async with Store(ctx.sessions) as store:
        queued = await store.escalations.enqueue_post(
            kind=kind, chat_id=chat_id, text=text, now=now, case_id=None,
            about_patient_id=about_patient_id, thread_id=thread_id, reply_to=reply_to,
        )
    ctx.wake_delivery()
    return queued


async def record_post(
    ctx: AppContext, *, chat_id: int, message_id: int, about_patient_id: int,
    case_id: int | None,
) -> None:
    """A post about a patient the bot made in place (the answer to a staff command in the
    staff chat, e.g. /case): recorded as sent, like the outbox's own, so that erasure finds
    it and a reply to it finds its case."""
    async with Store(ctx.sessions) as store:
        await store.escalations.record_sent_post(
            chat_id=chat_id, message_id=message_id, about_patient_id=about_patient_id,
            case_id=case_id, now=ctx.clock.now())


async def queue_refusal(
    ctx: AppContext, *, chat_id: int, user_id: int | None, text: str, now: datetime,
    thread_id: int | None = None, about_patient_id: int | None = None,
) -> bool:
    """A refusal in a group (not staff, not here), at most one per person and chat a minute
    (the attempt itself is audited by the caller every time); False when held back."""
    if not ctx.refusals.allow((chat_id, user_id), now).ok:
        return False
    await queue_notice(ctx, chat_id=chat_id, text=text, now=now, thread_id=thread_id,
                       about_patient_id=about_patient_id)
    return True


async def queue_digest(ctx: AppContext, chat_id: int, text: str, now: datetime) -> None:
    """The daily digest, queued as a staff notice."""
    await queue_notice(ctx, chat_id=chat_id, text=text, now=now, kind=MessageKind.NOTICE)


async def close_orphan_topic(
    ctx: AppContext, *, patient_id: int, chat_id: int, thread_id: int, now: datetime
) -> bool:
    """A topic the bot made for a patient who erased their data, seen only now (made while
    they erased, or left by a crash while it was being made, so never recorded): renamed to
    the bare id and closed, once. False if it is not such a topic, or queued already."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None or patient.status != PatientStatus.FORGOTTEN:
            return False
        queued = await queue_topic_close(
            await store.session.connection(), patient_id, chat_id, thread_id, now)
    if queued:
        ctx.wake_delivery()
    return queued
