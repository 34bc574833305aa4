"""Lock order on PostgreSQL: a patient's input and the delivery pass take the patient's row
before their staff posts waiting in the outbox, so neither ever deadlocks the other.

The case that did (a CI run lost a photo of a ten-photo album to "deadlock detected"): the
album's first photo queued its copy to wait for the patient's new forum topic; the delivery
pass, having made the topic, set it on the patient and then on their waiting posts
(storage/outbox_cases.py `_topics`), while a later photo of the album added itself to the
copy and then touched the patient's activity: the other order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.statuses import TOPIC_PENDING, MessageKind
from services import inbox_media
from services.context import AppContext
from services.staff_alerts import MediaRef
from storage.models import Patient, ScheduledMessage
from tests.integration.services_support import CHAT, NOW, context_on, joined

pytestmark = pytest.mark.postgres

TOPIC = 77


@pytest.fixture
async def pg_ctx(migrated_postgres_url: str) -> AsyncIterator[AppContext]:
    context = await context_on(migrated_postgres_url)
    yield context
    await context.engine.dispose()


async def forum() -> bool:
    return True


def photo(message_id: int) -> MediaRef:
    return MediaRef(chat_id=CHAT, message_id=message_id, kind="photo", album="A1")


async def test_an_album_part_and_the_topic_being_set_do_not_deadlock(
    pg_ctx: AppContext,
) -> None:
    ctx = pg_ctx
    patient_id = await joined(ctx)
    await inbox_media.handle_media(ctx, chat_id=CHAT, media=photo(12), caption=None,
                                   fallback_language="en", now=NOW, forum=forum)
    async with ctx.sessions() as session:
        copy = await session.scalar(select(ScheduledMessage).where(
            ScheduledMessage.kind == MessageKind.COPY))
    assert copy is not None and copy.thread_id == TOPIC_PENDING  # waits for the topic

    async with ctx.engine.connect() as delivery:
        # The delivery pass: the topic is made; first the patient has it ...
        await delivery.execute(text(
            "UPDATE patients SET staff_topic_id = :topic WHERE id = :id"),
            {"topic": TOPIC, "id": patient_id})
        part = asyncio.create_task(inbox_media.handle_album_part(
            ctx, chat_id=CHAT, media=photo(13), caption=None, fallback_language="en",
            now=NOW, forum=forum))
        await _until_waiting_on_a_lock(delivery)
        # ... then the posts waiting for it go into it (with the album part waiting).
        await delivery.execute(text(
            "UPDATE scheduled_messages SET thread_id = :topic WHERE about_patient_id = :id"
            " AND thread_id = :pending AND telegram_message_id IS NULL"),
            {"topic": TOPIC, "id": patient_id, "pending": TOPIC_PENDING})
        await delivery.commit()
        reply = await asyncio.wait_for(part, 10)

    assert reply.kind == "quiet"
    async with ctx.sessions() as session:
        copy = await session.scalar(select(ScheduledMessage).where(
            ScheduledMessage.kind == MessageKind.COPY))
        topic = await session.scalar(select(Patient.staff_topic_id))
    assert copy is not None and copy.copy_message_ids == [12, 13]
    assert copy.thread_id == TOPIC and topic == TOPIC


async def _until_waiting_on_a_lock(connection: AsyncConnection) -> None:
    """Until another backend of this database waits on a lock (the album part, on a row
    that the open transaction holds)."""
    async with connection.engine.connect() as observer:
        for _ in range(500):
            waiting = await observer.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"))
            if waiting:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the album part never waited for the patient's row")
