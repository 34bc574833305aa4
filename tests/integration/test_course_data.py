"""A course's data on SQLite and PostgreSQL (issue 22): booking, confirmation, change wish,
photo check-in, outcome and comment, consent; the export holds each, and after erasure no
table holds anything that identifies the patient (every table read, not only the API)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.clock import FakeClock
from core.course import minute_key
from core.statuses import PHOTO_POST_STEP, MessageKind, MessageStatus
from services import course, onboarding, photo_checkins, sessions
from services.context import AppContext
from services.patient_settings import forget
from services.staff_alerts import MediaRef, post_photo, raise_alert
from storage.database import migrate
from storage.models import Base, ScheduledMessage
from storage.patient_data import collect_patient_data
from storage.repositories import Store
from testkit.postgres import scratch_database
from tests.integration.services_support import ALERTS, NOW, context_on, enrolled
from tests.integration.test_storage_migrations import _downgrade, _read

CHAT = 918273645
LABEL = "Meera Quasimodo"
WISH = "Saturday morning suits me, zebra"
COMMENT = "lovely result, xylophone"
FILE_ID = "AgACAgFILEIDsecret42"
PHOTO_POST = 9001  # the photo check-in's copy in the patient's topic


@pytest.fixture
async def course_ctx(db_url: str) -> AsyncIterator[AppContext]:
    """A real AppContext on each backend (shipped content, an empty database)."""
    context = await context_on(db_url)
    yield context
    await context.engine.dispose()


def clock(ctx: AppContext) -> FakeClock:
    assert isinstance(ctx.clock, FakeClock)
    return ctx.clock


async def sent(ctx: AppContext, patient_id: int, kind: MessageKind) -> Any:
    """Mark the patient's first pending message of `kind` as sent (as delivery would)."""
    async with ctx.sessions() as session, session.begin():
        row = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.patient_id == patient_id,
                                           ScheduledMessage.kind == kind,
                                           ScheduledMessage.status == MessageStatus.PENDING)
            .order_by(ScheduledMessage.due_at).limit(1))
        assert row is not None, kind
        await session.execute(update(ScheduledMessage).where(ScheduledMessage.id == row.id)
                              .values(status=MessageStatus.SENT, sent_at=ctx.clock.now(),
                                      telegram_message_id=77))
        return row.id


async def a_whole_course(ctx: AppContext) -> int:
    """A patient through consent, a booked session (confirmation, a change wish), a photo
    check-in with high pain, the course ended by them, an outcome with a comment."""
    code, patient_id = await enrolled(ctx, label=LABEL)
    joined = await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en",
                                            now=NOW)
    assert joined.patient is not None
    booked = await sessions.new_session(ctx, patient_id, NOW + timedelta(days=3), staff_id=1000,
                                        now=ctx.clock.now())
    assert booked.booked and booked.booking_id is not None
    clock(ctx).set(NOW + timedelta(days=2))
    confirm = await sent(ctx, patient_id, MessageKind.CONFIRM)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        message = await store.messages.get(confirm)
        assert patient is not None and message is not None
        assert message.occurrence == minute_key(NOW + timedelta(days=3))
        change = await course.answer_button(store, ctx, patient, message, "change",
                                            ctx.clock.now())
        assert change.status == "recorded"
        awaited = await course.awaited_text(store, patient_id, ctx.clock.now())
        assert awaited is not None and awaited.booking is not None
        taken = await course.take_text(store, ctx, patient, awaited, WISH, ctx.clock.now())
    assert taken is not None and taken[1] is not None
    await raise_alert(ctx, taken[1], ctx.clock.now())
    # Day 2 of the first session: the photo check-in.
    await sent(ctx, patient_id, MessageKind.PHOTO)
    async with Store(ctx.sessions) as store:
        photo = await photo_checkins.receive(store, patient=patient, media=MediaRef(
            chat_id=CHAT, message_id=501, kind="photo", file_id=FILE_ID), now=ctx.clock.now())
    assert photo is not None
    await photo_checkins.answer(ctx, chat_id=CHAT, checkin_id=photo.id, which="s", value="y",
                                now=ctx.clock.now())
    done = await photo_checkins.answer(ctx, chat_id=CHAT, checkin_id=photo.id, which="p",
                                       value="3", now=ctx.clock.now())
    assert done.post is not None and done.alert is None
    await post_photo(ctx, done.post, ctx.clock.now())
    async with ctx.sessions() as session, session.begin():  # the copy lands in the topic
        await session.execute(update(ScheduledMessage)
                              .where(ScheduledMessage.step_id == PHOTO_POST_STEP)
                              .values(status=MessageStatus.SENT, sent_at=ctx.clock.now(),
                                      telegram_message_id=PHOTO_POST))
    # The session done, then the course ended by the patient: the outcome, a comment.
    recorded = await sessions.record_booking(ctx, booked.booking_id, done=True, staff_id=1000,
                                             now=ctx.clock.now())
    assert recorded.problem is None
    async with Store(ctx.sessions) as store:
        enrollment = await store.enrollments.get(booked.enrollment_id or 0)
        assert enrollment is not None and enrollment.status == "active"
        await course.ask_outcome_now(store, ctx, patient, enrollment, ctx.clock.now())
    outcome = await sent(ctx, patient_id, MessageKind.OUTCOME)
    async with Store(ctx.sessions) as store:
        message = await store.messages.get(outcome)
        assert message is not None
        answered = await course.answer_button(store, ctx, patient, message, "2", ctx.clock.now())
        assert answered.alert is not None
        awaited = await course.awaited_text(store, patient_id, ctx.clock.now())
        assert awaited is not None and awaited.outcome is not None
        await course.take_text(store, ctx, patient, awaited, COMMENT, ctx.clock.now())
    return patient_id


async def test_export_holds_the_course_and_erasure_leaves_nothing_identifying(
    course_ctx: AppContext,
) -> None:
    """Export: consent, booking, course, outcome with comment, photo with file id. After
    /forget: no table holds the label, the chat id, the wish, the comment or the file id;
    bookings, course, consent and the score stay without them; the photo's post in the
    staff chat is queued for deletion."""
    ctx = course_ctx
    patient_id = await a_whole_course(ctx)
    async with ctx.sessions() as session:
        data = await collect_patient_data(session, patient_id)
    assert data is not None
    assert [c["language"] for c in data["consents"]] == ["en"]
    assert len(data["consents"][0]["text_version"]) == 64
    [booking] = data["bookings"]
    assert booking["status"] == "done" and booking["sequence"] >= 2
    assert [c["status"] for c in data["courses"]] == ["active"]
    [answer] = data["outcomes"]
    assert (answer["score"], answer["comment"]) == (2, COMMENT)
    [photo] = data["photo_checkins"]
    assert (photo["file_id"], photo["swelling"], photo["pain"]) == (FILE_ID, True, 3)
    assert any(WISH in (e["patient_text"] or "") for e in data["escalations"])

    patient = data["patient"]
    async with Store(ctx.sessions) as store:
        record = await store.patients.get(patient_id)
    assert record is not None and patient["chat_id"] == CHAT
    await forget(ctx, record, ctx.clock.now())

    secrets = (LABEL, WISH, COMMENT, FILE_ID, str(CHAT), "Meera", "zebra", "xylophone")
    async with ctx.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = (await connection.execute(table.select())).all()
            for row in rows:
                for column, value in zip(table.columns, row, strict=True):
                    shown = repr(value)
                    leaked = [s for s in secrets if s in shown]
                    assert not leaked, f"{table.name}.{column.name} still holds {leaked}"
        counts = {name: int(await connection.scalar(
            select(func.count()).select_from(Base.metadata.tables[name])) or 0)
            for name in ("bookings", "courses", "consents", "outcomes", "photo_checkins")}
    assert counts == {"bookings": 1, "courses": 1, "consents": 1, "outcomes": 1,
                      "photo_checkins": 0}
    async with ctx.sessions() as session:
        after = await collect_patient_data(session, patient_id)
    assert after is not None
    assert [c["status"] for c in after["courses"]] == ["dropped"]
    assert after["outcomes"][0]["comment"] is None and after["outcomes"][0]["score"] == 2
    async with ctx.sessions() as session:
        deleted = list(await session.scalars(
            select(ScheduledMessage.reply_to_message_id)
            .where(ScheduledMessage.kind == MessageKind.DELETE)))
    assert deleted == [PHOTO_POST]


async def test_a_booked_session_is_recorded_once(course_ctx: AppContext) -> None:
    """Done then no-show (or done twice): the second finds nothing open to record; the
    first made the booked enrollment the current plan, superseding the earlier."""
    ctx = course_ctx
    code, patient_id = await enrolled(ctx)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    booked = await sessions.new_session(ctx, patient_id, NOW + timedelta(days=21, hours=2),
                                        staff_id=1000, now=ctx.clock.now())
    assert booked.booked and booked.session_number == 2
    clock(ctx).set(NOW + timedelta(days=21, hours=3))
    first = await sessions.new_session(ctx, patient_id, None, staff_id=1000, now=ctx.clock.now())
    assert first.booking_id == booked.booking_id and first.session_number == 2
    assert first.session_start == NOW + timedelta(days=21, hours=2)  # its booked time
    again = await sessions.record_booking(ctx, booked.booking_id or 0, done=False, staff_id=1000,
                                          now=ctx.clock.now())
    assert again.problem == "no_booking"
    async with Store(ctx.sessions) as store:
        enrollments = await store.enrollments.list_for_patient(patient_id)
        [course_row] = await store.courses.for_patient(patient_id)
    assert [e.status for e in enrollments] == ["active", "superseded"]
    assert course_row.sessions_done == 2


async def test_unconfirmed_sessions_make_one_evening_post(course_ctx: AppContext) -> None:
    """18:00 the evening before: one staff-chat post in the outbox naming patient and time
    of each session not confirmed (ids and times only)."""
    from jobs.unconfirmed import queue_unconfirmed

    ctx = course_ctx
    code, patient_id = await enrolled(ctx, label=LABEL)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    tomorrow_16 = datetime(2026, 3, 3, 10, 30, tzinfo=UTC)  # 16:00 in Kolkata
    await sessions.new_session(ctx, patient_id, tomorrow_16, staff_id=1000, now=ctx.clock.now())
    evening = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 18:00 in Kolkata
    listed = await queue_unconfirmed(ctx.sessions, chat_id=ALERTS, now=evening, zone=ctx.zone)
    assert listed == 1
    async with ctx.sessions() as session:
        [post] = list(await session.scalars(
            select(ScheduledMessage.text).where(ScheduledMessage.chat_id == ALERTS)))
    assert f"16:00 · patient #{patient_id}" in post and "1 of 1" in post
    assert LABEL not in post


async def test_swelling_past_settle_days_in_a_photo_check_in_is_a_red_flag(
    course_ctx: AppContext,
) -> None:
    """A day-2 photo answered on day 4, "swollen: yes": a red flag by the safety rules (the
    lasting rule, settle_days 3), with the red-flag reply and the photo on the card (on day
    2 the same answer is only a post: a_whole_course above); a second pain tap counts not."""
    ctx = course_ctx
    code, patient_id = await enrolled(ctx, label=LABEL)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    clock(ctx).set(datetime(2026, 3, 4, 11, 30, tzinfo=UTC))  # day 2, 17:00 in Kolkata
    await sent(ctx, patient_id, MessageKind.PHOTO)
    clock(ctx).set(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # day 4
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    async with Store(ctx.sessions) as store:
        photo = await photo_checkins.receive(store, patient=patient, media=MediaRef(
            chat_id=CHAT, message_id=600, kind="photo", file_id=FILE_ID), now=ctx.clock.now())
    assert photo is not None
    await photo_checkins.answer(ctx, chat_id=CHAT, checkin_id=photo.id, which="s", value="y",
                                now=ctx.clock.now())
    done = await photo_checkins.answer(ctx, chat_id=CHAT, checkin_id=photo.id, which="p",
                                       value="1", now=ctx.clock.now())
    assert done.alert is not None and done.alert.kind == "red_flag"
    assert done.alert.rule_id is not None and "day 4" in done.alert.rule_id
    assert done.alert.media is not None and "Swollen: <b>yes</b>" in (
        done.alert.media.caption or "")
    assert "+91 1" in done.reply and "alerted" in done.reply
    again = await photo_checkins.answer(ctx, chat_id=CHAT, checkin_id=photo.id, which="p",
                                        value="9", now=ctx.clock.now())
    assert again.status == "already"


def _migration_round_trip(url: str) -> None:
    migrate(url)
    tables = {"bookings", "courses", "outcomes", "photo_checkins", "consents"}
    asyncio.run(_downgrade(url, "0011"))  # to the revision it is chained on (through 0013)
    names = {row[0] for row in asyncio.run(_read(url, _TABLES[url.split(":")[0]]))}
    assert not names & tables
    invites = {row[0] for row in asyncio.run(_read(url, _COLUMNS[url.split(":")[0]]))}
    assert "used_at" in invites and "opened_at" not in invites
    migrate(url)
    names = {row[0] for row in asyncio.run(_read(url, _TABLES[url.split(":")[0]]))}
    assert tables <= names


_COLUMNS = {
    "sqlite+aiosqlite": "SELECT name FROM pragma_table_info('invites')",
    "postgresql+asyncpg": "SELECT column_name FROM information_schema.columns"
                          " WHERE table_name = 'invites'",
}
_TABLES = {
    "sqlite+aiosqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql+asyncpg": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
}


def test_0012_downgrades_and_upgrades_again_on_sqlite(tmp_path: Path) -> None:
    """Migration 0012 drops its five tables and invites.opened_at going down one revision,
    and makes them again going up."""
    _migration_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'round.db'}")


@pytest.mark.postgres
def test_0012_downgrades_and_upgrades_again_on_postgres() -> None:
    """The same round trip on a fresh PostgreSQL database."""
    with scratch_database() as url:
        _migration_round_trip(url)


async def test_cancel_care_cancels_bookings_and_undo_brings_them_back(
    course_ctx: AppContext,
) -> None:
    """Cancelling care cancels the booked session (its calendar entry with a higher SEQUENCE)
    and drops the course; the undo books it again, to be confirmed, with its pre-care and
    confirmation request planned again, and the course active."""
    from services.cancellations import cancel_care, undo_cancel

    ctx = course_ctx
    code, patient_id = await enrolled(ctx)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    made = await sessions.new_session(ctx, patient_id, NOW + timedelta(days=5), staff_id=1000,
                                      now=ctx.clock.now())
    assert made.booked and made.booking_id is not None
    cancelled = await cancel_care(ctx, patient_id, staff_id=1000, now=ctx.clock.now())
    assert cancelled is not None and cancelled.enrollments == 2
    async with Store(ctx.sessions) as store:
        booking = await store.bookings.get(made.booking_id)
        [course_row] = await store.courses.for_patient(patient_id)
    assert booking is not None and booking.status == "cancelled"
    assert (course_row.status, course_row.end_reason) == ("dropped", "cancelled")
    clock(ctx).set(NOW + timedelta(hours=2))
    undone = await undo_cancel(ctx, staff_id=1000, patient_id=patient_id, now=ctx.clock.now())
    assert undone.outcome == "ok"
    async with Store(ctx.sessions) as store:
        back = await store.bookings.get(made.booking_id)
        [course_row] = await store.courses.for_patient(patient_id)
        plan = await store.messages.list_for_enrollment(made.enrollment_id or 0)
    assert back is not None and back.status == "booked"
    assert back.sequence > (booking.sequence if booking else 0)
    assert course_row.status == "active"
    assert any(m.kind == "confirm" and m.status == "pending" for m in plan)


async def test_a_symptom_is_never_taken_as_the_comment_on_the_result(
    course_ctx: AppContext,
) -> None:
    """After an outcome answer the next text is its comment, but a symptom or worry goes the
    usual way (a person looks) and the comment is still awaited; plain words are kept."""
    from services.inbox import handle_text

    ctx = course_ctx
    code, patient_id = await enrolled(ctx)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        [enrollment] = await store.enrollments.list_for_patient(patient_id)
        assert patient is not None
        await course.ask_outcome_now(store, ctx, patient, enrollment, NOW)
    question = await sent(ctx, patient_id, MessageKind.OUTCOME)
    async with Store(ctx.sessions) as store:
        message = await store.messages.get(question)
        assert message is not None
        await course.answer_button(store, ctx, patient, message, "4", NOW)
    worry = await handle_text(ctx, chat_id=CHAT, text="there is a new lump near the spot",
                              fallback_language="en", now=NOW)
    assert worry.kind != "awaited" and worry.alert is not None
    kept = await handle_text(ctx, chat_id=CHAT, text="Lovely staff, xylophone",
                             fallback_language="en", now=NOW)
    assert kept.kind == "awaited" and "comment has reached" in kept.html
    async with Store(ctx.sessions) as store:
        [answer] = await store.courses.outcomes_for_patient(patient_id)
    assert answer.comment == "Lovely staff, xylophone"
