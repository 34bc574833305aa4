"""A course of treatment through the running bot (issue 22), clock injected: a booked session
confirmed (Today shows it) or asked to change (a booking case in the patient's topic); the
recall with nothing booked; photo check-ins; the outcome; invites not opened; blocked
patients; /calendar files that follow a reschedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from jobs.digest import send_digest
from services.console_today import today
from tests.e2e.harness import ALERT_CHAT_ID, BotEnv, running_bot
from tests.e2e.test_patient_inbox import LABEL, joined
from tests.e2e.test_staff_topics import posted, topic_of

KOLKATA = ZoneInfo("Asia/Kolkata")
REVIEW = "https://reviews.example/sunrise"
# Words of patients used below: none may reach the log.
PRIVATE = (LABEL, "Friday after 5 pm", "the skin looks much calmer")


@pytest.fixture
async def course_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The bot with a forum staff chat (a topic per patient) and a review link; after each
    test, the log holds none of the patients' words nor the label."""
    async with running_bot(
        f"sqlite+aiosqlite:///{tmp_path / 'course.db'}",
        configure_api=lambda api: api.group(ALERT_CHAT_ID, "Clinic staff", forum=True),
        settings_extra={"clinic": {"review_url": REVIEW}},
    ) as env:
        yield env
        log_text = env.logs.text()
    for private in PRIVATE:
        assert private not in log_text, f"{private!r} leaked into the log"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A clinic-time instant (Asia/Kolkata)."""
    return datetime(year, month, day, hour, minute, tzinfo=KOLKATA).astimezone(UTC)


async def at(env: BotEnv, when: datetime) -> None:
    """Move the clock to `when` and deliver what is due."""
    env.clock.set(when)
    await env.deliver()


async def book(env: BotEnv, patient_id: int, when: str) -> Any:
    """Staff book the patient's next session with /session <id> <time>."""
    [reply] = await env.ask(env.staff, f"/session {patient_id} {when}")
    assert "booked for" in reply.visible, reply.visible
    return reply


def sent_with(env: BotEnv, chat_id: int, words: str) -> list[Any]:
    return [m for m in env.sent_to(chat_id) if words in m.visible]


async def hair_patient(env: BotEnv, user_id: int) -> Any:
    """A patient who joined the hair protocol (weekly course of 18) through Telegram."""
    invite = await env.invite("micro-mesotherapy-hair", label=LABEL)
    user = env.patient(user_id)
    await env.ask(user, f"/start {invite.code}")
    await user.press("Yes")
    await user.expect("/timezone")
    await env.deliver()
    user.invite = invite
    return user


async def tap_again(env: BotEnv, user: Any, message: Any, label: str) -> None:
    """Press a button of `message` as it was first sent (a stale keyboard on the phone)."""
    [data] = [b.callback_data for b in message.buttons if b.text == label]
    await env.api.deliver({"callback_query": {
        "id": env.api.state.new_callback_id(), "from": user.user, "message": message.payload,
        "chat_instance": f"ci{user.id}", "data": data,
    }})


async def cases_of(env: BotEnv, patient_id: int) -> list[Any]:
    async with env.db() as db:
        return [c for c in await db.escalations.list_open(500) if c.patient_id == patient_id]


async def test_booked_session_confirmed_at_24_hours_shows_on_today(course_env: BotEnv) -> None:
    """/session with a future time books it; 24 h before, the patient gets "Your next session
    is Thu 5 Mar, 16:00" with two buttons; "I'll be there" confirms it on Today."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    await book(env, patient_id, "2026-03-05 16:00")
    await at(env, local(2026, 3, 4, 15, 59))
    assert not sent_with(env, user.id, "Will you be there?")
    await at(env, local(2026, 3, 4, 16, 0))
    [request] = sent_with(env, user.id, "Will you be there?")
    assert "Thu 5 Mar, 16:00" in request.visible
    assert [b.text for b in request.buttons] == ["I'll be there", "I need to change it"]
    view = await today(env.ctx, now=env.ctx.clock.now())
    assert view.tomorrow is not None
    assert (view.tomorrow.booked, view.tomorrow.confirmed) == (1, 0)
    [thanks] = await env.press(user, "I'll be there")
    assert "See you on Thu 5 Mar, 16:00" in thanks.visible
    view = await today(env.ctx, now=env.ctx.clock.now())
    assert view.tomorrow is not None
    assert (view.tomorrow.booked, view.tomorrow.confirmed) == (1, 1)
    [session] = view.tomorrow.sessions
    assert session.booking.status == "confirmed" and session.booking.patient_id == patient_id
    # A second tap (the button of the message as first sent) changes nothing.
    await tap_again(env, user, request, "I'll be there")
    await env.settle()
    async with env.db() as db:
        [booking] = await db.bookings.for_patient(patient_id)
    assert booking.status == "confirmed"


async def test_change_request_lands_in_a_booking_case_in_the_topic(course_env: BotEnv) -> None:
    """"I need to change it" asks for a preferred time; the typed wish opens a booking case
    whose card is in the patient's topic; the booking stays until staff move it."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    await book(env, patient_id, "2026-03-05 16:00")
    await at(env, local(2026, 3, 4, 16, 0))
    [ask] = await env.press(user, "I need to change it")
    assert "When would suit you better?" in ask.visible
    [ack] = await env.ask(user, "Friday after 5 pm would be better for me")
    assert "passed this to the clinic team" in ack.visible
    card = await posted(env, "Friday after 5 pm would be better for me")
    assert "Booking" in card.visible
    assert "change booked session Thu 5 Mar, 16:00" in card.visible
    assert card.message_thread_id == await topic_of(env, patient_id)
    [case] = await cases_of(env, patient_id)
    assert case.kind == "booking"
    async with env.db() as db:
        [booking] = await db.bookings.for_patient(patient_id)
    assert booking.status == "change_requested" and booking.wish_at is not None
    # Staff move it: a new time to confirm, and the patient hears of it.
    [moved] = await env.ask(env.staff, f"/reschedule {patient_id} 2026-03-06 17:30")
    assert "session moved" in moved.visible
    await env.deliver()
    [notice] = sent_with(env, user.id, "has moved to")
    assert "Fri 6 Mar, 17:30" in notice.visible and "/calendar" in notice.visible
    async with env.db() as db:
        [booking] = await db.bookings.for_patient(patient_id)
    assert booking.status == "booked" and booking.sequence >= 2


async def test_recall_with_nothing_booked_ask_the_clinic_to_call(course_env: BotEnv) -> None:
    """A week after a hair session with nothing booked, the recall asks; "Ask the clinic to
    call me" opens a booking case in the patient's topic."""
    env = course_env
    user = await hair_patient(env, 6101)
    patient_id = user.invite.patient_id
    await at(env, env.clock.now() + timedelta(days=7) - timedelta(minutes=1))
    assert not sent_with(env, user.id, "It is time for your next session")
    await at(env, env.clock.now() + timedelta(minutes=2))
    [recall] = sent_with(env, user.id, "It is time for your next session")
    assert "session 2 of 18" in recall.visible
    assert [b.text for b in recall.buttons] == [
        "Ask the clinic to call me", "I'll book it myself", "I've finished the course"]
    [done] = await env.press(user, "Ask the clinic to call me")
    assert "call you to book" in done.visible
    card = await posted(env, "Please call me to book my next session")
    assert card.message_thread_id == await topic_of(env, patient_id)
    [case] = await cases_of(env, patient_id)
    assert case.kind == "booking"


async def test_booking_the_next_session_cancels_the_recall(course_env: BotEnv) -> None:
    """With the next session booked, no recall is sent; a no-show brings it back."""
    env = course_env
    user = await hair_patient(env, 6102)
    patient_id = user.invite.patient_id
    await book(env, patient_id, "2026-03-09 10:30")
    await at(env, env.clock.now() + timedelta(days=7, hours=2))
    assert not sent_with(env, user.id, "It is time for your next session")
    [missed] = await env.ask(env.staff, f"/session {patient_id} noshow")
    assert "recorded as missed" in missed.visible
    await env.deliver()
    [recall] = sent_with(env, user.id, "It is time for your next session")
    assert "session 2 of 18" in recall.visible


async def test_photo_check_in_reaches_the_topic_and_high_pain_opens_a_case(
    course_env: BotEnv,
) -> None:
    """Day 2 (face): the photo step; the patient's photo, then "swollen? no", "pain 8":
    an urgent check-in case whose card and captioned photo copy are in the topic."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    await at(env, local(2026, 3, 4, 17, 0))
    [request] = sent_with(env, user.id, "Day 2 photo check-in")
    assert not request.buttons
    before = len(env.sent_to(user.id))
    await user.send_photo(content=b"\xff\xd8 fake jpeg of a cheek")
    [swollen] = await env.wait_sent(user.id, before)
    assert "Is the treated area swollen?" in swollen.visible
    [pain] = await env.press(user, "No")
    assert [b.text for b in pain.buttons] == [str(n) for n in range(11)]
    [told] = await env.press(user, "8")
    assert "clinic team has been told" in told.visible
    card = await posted(env, "Photo check-in: swollen no, pain 8/10")
    thread = await topic_of(env, patient_id)
    assert card.message_thread_id == thread and "👀 Acknowledge" in [b.text for b in card.buttons]
    copy = await posted(env, "Pain: 8/10")
    assert copy.method == "copyMessage" and copy.message_thread_id == thread
    assert "Swollen: no" in copy.visible
    [case] = await cases_of(env, patient_id)
    assert case.kind == "checkin"
    async with env.db() as db:
        [photo] = await db.photos.for_patient(patient_id)
    assert (photo.swelling, photo.pain, photo.session_number) == (False, 8, 1)
    assert photo.file_id and photo.escalation_id == case.id


async def test_photo_check_in_with_low_pain_is_one_post_and_no_case(course_env: BotEnv) -> None:
    """Low pain, not swollen: the photo and answers are one post in the topic; no case."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    await at(env, local(2026, 3, 4, 17, 5))
    before = len(env.sent_to(user.id))
    await user.send_photo()
    await env.wait_sent(user.id, before)
    await env.press(user, "No")
    [done] = await env.press(user, "2")
    assert "photo and answers are with the clinic team" in done.visible
    await env.deliver()
    copy = await posted(env, "Pain: 2/10")
    assert copy.method == "copyMessage"
    assert copy.message_thread_id == await topic_of(env, patient_id)
    assert not await cases_of(env, patient_id)


async def test_outcome_five_gets_the_review_link_and_one_opens_a_case(
    course_env: BotEnv,
) -> None:
    """"I've finished the course" ends it and asks the outcome: 5 gets clinic.review_url,
    1 (another patient) opens an outcome case; a typed comment is kept."""
    env = course_env
    happy, unhappy = await hair_patient(env, 6201), await hair_patient(env, 6202)
    await at(env, env.clock.now() + timedelta(days=7, minutes=5))
    for user in (happy, unhappy):
        [ended] = await env.press(user, "I've finished the course")
        assert "marked as finished" in ended.visible
    await env.deliver()
    for user in (happy, unhappy):
        [question] = sent_with(env, user.id, "How happy are you with the result?")
        assert [b.text for b in question.buttons] == ["1", "2", "3", "4", "5"]
    thanks, comment = await env.press(happy, "5", count=2)
    assert REVIEW in thanks.visible and "add a few words" in comment.visible
    [kept] = await env.ask(happy, "the skin looks much calmer, thank you")
    assert "comment has reached the clinic" in kept.visible
    sorry, _ask = await env.press(unhappy, "1", count=2)
    assert "asked the clinic team to contact you" in sorry.visible and REVIEW not in sorry.visible
    card = await posted(env, "1 out of 5")
    assert card.message_thread_id == await topic_of(env, unhappy.invite.patient_id)
    [case] = await cases_of(env, unhappy.invite.patient_id)
    assert case.kind == "outcome"
    assert not await cases_of(env, happy.invite.patient_id)
    async with env.db() as db:
        [answer] = await db.courses.outcomes_for_patient(happy.invite.patient_id)
        [course] = await db.courses.for_patient(happy.invite.patient_id)
    assert answer.score == 5 and answer.comment == "the skin looks much calmer, thank you"
    assert (course.status, course.end_reason) == ("completed", "patient")


async def test_invite_not_opened_is_listed_at_24_hours(course_env: BotEnv) -> None:
    """An invite nobody opened: not listed at 23 h, listed on Today and in the digest after
    invites.nudge_hours (24)."""
    env = course_env
    invite = await env.invite(label="Not yet")
    env.clock.advance(timedelta(hours=23))
    assert not (await today(env.ctx, now=env.ctx.clock.now())).not_joined
    env.clock.advance(timedelta(hours=1, minutes=1))
    [waiting] = (await today(env.ctx, now=env.ctx.clock.now())).not_joined
    assert waiting.patient_id == invite.patient_id and waiting.opened_at is None
    posts: list[str] = []

    async def post(_chat: int, text: str) -> None:
        posts.append(text)

    report = await send_digest(env.ctx.sessions, post, ALERT_CHAT_ID, env.clock.now(),
                               nudge=timedelta(hours=24))
    assert [p for p, _at in report.not_joined] == [invite.patient_id]
    assert f"#{invite.patient_id}" in posts[0] and "Not joined yet" in posts[0]


async def test_blocked_patient_opens_an_unreachable_case(course_env: BotEnv) -> None:
    """Blocking the bot opens an unreachable case (call them) in the patient's topic; a
    deactivated account found by a 403 on delivery does too."""
    env = course_env
    user = await joined(env)
    await user.block_bot()
    card = await posted(env, "blocked the bot or deleted their account")
    assert card.message_thread_id == await topic_of(env, user.invite.patient_id)
    [case] = await cases_of(env, user.invite.patient_id)
    assert case.kind == "unreachable"
    other = await joined(env, 6002)
    env.api.faults.blocked_chats.add(other.id)  # deactivated: no update, only 403s
    await at(env, env.clock.now() + timedelta(hours=4))
    [found] = await cases_of(env, other.invite.patient_id)
    assert found.kind == "unreachable"
    async with env.db() as db:
        patient = await db.patients.get(other.invite.patient_id)
    assert patient is not None and patient.status == "unreachable"


async def test_calendar_file_follows_a_reschedule(course_env: BotEnv) -> None:
    """/calendar sends an .ics (parsed back by icalendar): the booked session with its time
    zone; after a reschedule the same UID carries a higher SEQUENCE and the new time."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    [empty] = await env.ask(user, "/calendar")
    assert "No session is booked" in empty.visible
    await book(env, patient_id, "2026-03-05 16:00")
    first = await calendar_file(env, user)
    assert first.document_name == "sessions.ics"
    event, calendar = _event(first.document)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Kolkata"
    assert event.decoded("dtstart") == datetime(2026, 3, 5, 16, 0, tzinfo=KOLKATA)
    assert event["dtstart"].params["TZID"] == "Asia/Kolkata"
    assert "session 2" in str(event["summary"]) and str(event["status"]) == "TENTATIVE"
    await env.ask(env.staff, f"/reschedule {patient_id} 2026-03-06 11:00")
    second = await calendar_file(env, user)
    moved, _ = _event(second.document)
    assert str(moved["uid"]) == str(event["uid"])
    assert int(moved["sequence"]) > int(event["sequence"])
    assert moved.decoded("dtstart") == datetime(2026, 3, 6, 11, 0, tzinfo=KOLKATA)


async def calendar_file(env: BotEnv, user: Any) -> Any:
    """/calendar's document (other messages, e.g. a notice, may arrive meanwhile)."""
    before = len(env.sent_to(user.id))
    await user.send("/calendar")
    for _ in range(250):
        found = [m for m in env.sent_to(user.id)[before:] if m.method == "sendDocument"]
        if found:
            return found[-1]
        await env.settle(0.02)
    raise AssertionError("no calendar file")


def _event(data: bytes | None) -> tuple[Any, Any]:
    assert data is not None
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return event, calendar


async def test_a_red_flag_while_a_wish_is_awaited_goes_the_urgent_way(
    course_env: BotEnv,
) -> None:
    """After "I need to change it", a red flag gets the urgent reply and a red-flag case
    (never taken as the preferred time), and "ok" is no time either: the wish is still
    awaited."""
    env = course_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    await book(env, patient_id, "2026-03-05 16:00")
    await at(env, local(2026, 3, 4, 16, 0))
    await env.press(user, "I need to change it")
    urgent = await env.ask(user, "there is pus and I have a fever of 102")
    assert any("alerted" in m.visible for m in urgent)
    [case] = await cases_of(env, patient_id)
    assert case.kind == "red_flag"
    await env.ask(user, "ok")
    async with env.db() as db:
        [booking] = await db.bookings.for_patient(patient_id)
    assert booking.status == "change_requested" and booking.wish_at is None
