"""Escalation until someone acknowledges, through the running bot, in a forum staff group
and in a plain staff chat: something urgent that joins a case in any state (answered by
staff, a delivery case, acknowledged) makes it urgent again with a fresh card, and the
ladder runs (re-alert and page at 10 min, the patient told at 15, on-call paged again every
15, the admins too from the second repeat) across a restart, until Acknowledge; /forget
stops it; a worrying check-in answer is only called "told" once it is stored."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services import inbox
from storage.models import ScheduledMessage
from testkit.fakes.bot_api import FakeBotApi
from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BOT_USERNAME, TOKEN, BotEnv, running_bot
from tests.e2e.test_patient_inbox import LABEL, joined
from tests.e2e.test_staff_cases import card_now
from tests.e2e.test_staff_topics import posted, topic_of

ON_CALL = 2000  # staff.on_call; the admin (ADMIN_ID) is paged too from the second repeat
EXTRA = {"staff": {"on_call": [ON_CALL]},
         "escalation": {"ack_minutes": 10, "patient_followup_minutes": 15,
                        "repeat_minutes": 15}}
QUESTION = "Do you have parking near the clinic building?"
RED_FLAG = "pus is coming out and i have fever"
BUTTONS = ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
CHATS = pytest.mark.parametrize("chat", ["forum", "plain"])
# Tuesday 20:35 in Asia/Kolkata: a check-in answered just before quiet hours (21:00).
EVENING = datetime(2026, 3, 3, 15, 5, tzinfo=UTC)


@contextlib.asynccontextmanager
async def telegram(chat: str) -> AsyncIterator[FakeBotApi]:
    """A fake Telegram that outlives bot processes; the staff chat a forum or not."""
    async with FakeBotApi(token=TOKEN, username=BOT_USERNAME) as api:
        api.group(ALERT_CHAT_ID, "Clinic staff", forum=chat == "forum")
        yield api


def bot(where: Path | str, api: FakeBotApi, start: datetime | None = None) -> Any:
    """A bot process on the test's database (an SQLite file in the folder `where`, or a
    PostgreSQL URL) and `api`, with an on-call member besides the admin (`start`: a later
    process, after a restart)."""
    options: dict[str, Any] = {"settings_extra": EXTRA, "api": api}
    if start is not None:
        options["start"] = start
    url = where if isinstance(where, str) else f"sqlite+aiosqlite:///{where / 'escalation.db'}"
    return running_bot(url, **options)


@dataclass(frozen=True)
class Seen:
    """What the ladder has sent so far: re-alerts in the staff chat, pages to on-call and
    to the admin, follow-ups to the patient."""

    realerts: int
    on_call: int
    admin: int
    patient: int


def seen(env: BotEnv, patient_chat: int) -> Seen:
    def pages(chat: int) -> int:
        return sum("On call" in m.visible for m in env.sent_to(chat))
    return Seen(
        realerts=sum("not acknowledged" in m.visible for m in env.sent_to(ALERT_CHAT_ID)),
        on_call=pages(ON_CALL), admin=pages(ADMIN_ID),
        patient=sum("not picked up" in m.visible for m in env.sent_to(patient_chat)),
    )


async def waiting(env: BotEnv, case_id: int) -> list[tuple[int, int, datetime]]:
    """The ladder rows still to go: (round, chat, due)."""
    async with env.ctx.sessions() as session:
        rows = (await session.execute(
            select(ScheduledMessage.occurrence, ScheduledMessage.chat_id,
                   ScheduledMessage.due_at)
            .where(ScheduledMessage.case_id == case_id, ScheduledMessage.status == "pending",
                   ScheduledMessage.step_id.startswith("ladder:"))
            .order_by(ScheduledMessage.chat_id)
        )).all()
    return [(int(r), int(c), d) for r, c, d in rows]


async def at(env: BotEnv, when: datetime) -> None:
    """The clock moved to `when`, and delivery has sent everything due by then."""
    await env.deliver(when - env.clock.now())


async def case_of(env: BotEnv, patient_id: int, *, status: str | None = None,
                  card: Any = None) -> Any:
    """The patient's unresolved case, once it is in `status` and `card` is its card."""
    for _ in range(250):
        async with env.db() as db:
            case = await db.escalations.unresolved_for(patient_id)
        if case is not None and (status is None or case.status == status) and (
                card is None or case.alert_message_id == card.message_id):
            return case
        await env.settle(0.02)
    raise AssertionError(f"no case of patient {patient_id} in {status} with that card")


async def answered_question(env: BotEnv, user: Any, chat: str) -> tuple[Any, int | None]:
    """The patient asks, staff answer (in the topic, or by replying to the card): the case
    is acknowledged and its card redrawn without Acknowledge. (The card, the staff
    message the patient's next messages are threaded under, in a chat without topics.)"""
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await user.expect("passed your question")
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    await env.recorded(card)
    before_patient = len(env.sent_to(user.id))
    staff_message = None
    if chat == "forum":
        thread = await topic_of(env, patient_id)
        await env.staff.send("Yes, there is parking behind.", chat_id=ALERT_CHAT_ID,
                             thread_id=thread)
    else:
        sent = await env.staff.reply_to(card, "Yes, there is parking behind.")
        staff_message = sent["message"]["message_id"]
    await env.wait_sent(user.id, before_patient)
    await case_of(env, patient_id, status="acknowledged")
    redrawn = await card_now(env, card)
    assert "Acknowledged by Admin" in redrawn.visible  # staff by name (issue 21)
    assert [b.text for b in redrawn.buttons] == BUTTONS[1:]
    return card, staff_message


async def fresh_card(env: BotEnv, user: Any, words: str, heading: str) -> tuple[Any, Any]:
    """The fresh card of the patient's case made urgent again by `words`, and the case
    (open, nobody acknowledging it) once the card is its card."""
    card = await posted(env, words)
    assert heading in card.visible and QUESTION not in card.visible
    assert [b.text for b in card.buttons] == BUTTONS
    await env.recorded(card)
    case = await case_of(env, user.invite.patient_id, status="open", card=card)
    assert case.raised_text == words and case.acknowledged_by is None
    return card, case


async def first_rounds(env: BotEnv, patient_chat: int, case_id: int, raised: datetime) -> None:
    """Nothing before 10 min; at 10 a re-alert and a page to on-call; the patient told at 15;
    on-call paged again at 30, and with the admin at 45: one round waits at a time."""
    await at(env, raised + timedelta(minutes=9, seconds=59))
    assert seen(env, patient_chat) == Seen(realerts=0, on_call=0, admin=0, patient=0)
    await at(env, raised + timedelta(minutes=10, seconds=1))
    assert seen(env, patient_chat) == Seen(realerts=1, on_call=1, admin=0, patient=0)
    realert = [m for m in env.sent_to(ALERT_CHAT_ID) if "not acknowledged" in m.visible][-1]
    assert f"case #{case_id}" in realert.visible and "Press Acknowledge on its card" in (
        realert.visible)
    assert await waiting(env, case_id) == [(2, ON_CALL, raised + timedelta(minutes=30))]
    await at(env, raised + timedelta(minutes=15, seconds=1))
    assert seen(env, patient_chat) == Seen(realerts=1, on_call=1, admin=0, patient=1)
    await at(env, raised + timedelta(minutes=30, seconds=1))
    assert seen(env, patient_chat) == Seen(realerts=1, on_call=2, admin=0, patient=1)
    assert "(page 2)" in env.sent_to(ON_CALL)[-1].visible
    due = raised + timedelta(minutes=45)
    assert await waiting(env, case_id) == [(3, ADMIN_ID, due), (3, ON_CALL, due)]
    await at(env, raised + timedelta(minutes=45, seconds=1))
    assert seen(env, patient_chat) == Seen(realerts=1, on_call=3, admin=1, patient=1)
    assert "(page 3)" in env.sent_to(ADMIN_ID)[-1].visible


async def after_restart(
    where: Path | str, api: FakeBotApi, patient_chat: int, case_id: int, card: Any,
    raised: datetime,
) -> None:
    """A new bot process on the same database at 50 min: the round due at 60 goes out once
    (none lost, none doubled); Acknowledge on the card stops the ladder for good."""
    async with bot(where, api, start=raised + timedelta(minutes=50)) as env:
        assert seen(env, patient_chat) == Seen(realerts=1, on_call=3, admin=1, patient=1)
        due = raised + timedelta(minutes=60)
        assert await waiting(env, case_id) == [(4, ADMIN_ID, due), (4, ON_CALL, due)]
        await at(env, raised + timedelta(minutes=60, seconds=1))
        assert seen(env, patient_chat) == Seen(realerts=1, on_call=4, admin=2, patient=1)
        assert "(page 4)" in env.sent_to(ON_CALL)[-1].visible
        assert len(await waiting(env, case_id)) == 2
        await env.staff.press("👀 Acknowledge", on_message=card)
        redrawn = await card_now(env, card)
        assert "Acknowledged by Admin" in redrawn.visible  # staff by name (issue 21)
        assert [b.text for b in redrawn.buttons] == BUTTONS[1:]
        assert await waiting(env, case_id) == []
        await at(env, raised + timedelta(hours=3))
        assert seen(env, patient_chat) == Seen(realerts=1, on_call=4, admin=2, patient=1)
        log = env.logs.text()
        assert RED_FLAG not in log and QUESTION not in log and LABEL not in log


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the bot keeps its data: a folder for an SQLite file, or a scratch PostgreSQL
    database's URL."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_database_url"))
    return tmp_path


@pytest.mark.parametrize(("chat", "database"), [
    ("forum", "sqlite"), ("plain", "sqlite"),
    pytest.param("forum", "postgres", marks=pytest.mark.postgres),
], indirect=["database"])
async def test_red_flag_after_an_answered_question_escalates_until_acknowledged(
    database: Path | str, chat: str
) -> None:
    """A question answered by staff (the case acknowledged), then a red flag: the urgent
    reply, a fresh red-flag card with Acknowledge in the topic (or under the staff answer),
    the ladder with repeats across a restart, until Acknowledge (also on PostgreSQL)."""
    async with telegram(chat) as api:
        async with bot(database, api) as env:
            user = await joined(env)
            first, staff_message = await answered_question(env, user, chat)
            [urgent] = await env.ask(user, RED_FLAG)
            assert "+91 00000 00000" in urgent.visible
            raised = env.clock.now()
            card, case = await fresh_card(env, user, RED_FLAG, "Red flag")
            assert case.kind == "red_flag"
            if chat == "forum":
                assert card.message_thread_id == first.message_thread_id is not None
            else:
                assert card.reply_to_message_id == staff_message
            await first_rounds(env, user.id, case.id, raised)
        await after_restart(database, api, user.id, case.id, card, raised)


async def delivery_case(env: BotEnv, user: Any) -> Any:
    """The patient's next reminder fails for good (Telegram answers 500 every time): a
    delivery case, without a card of its own."""
    api = env.api
    api.faults.spared_chats |= {ALERT_CHAT_ID, ADMIN_ID, ON_CALL}
    api.faults.rate_5xx = 1.0
    async with env.ctx.sessions() as session:
        next_due = await session.scalar(
            select(ScheduledMessage.due_at)
            .where(ScheduledMessage.patient_id == user.invite.patient_id,
                   ScheduledMessage.status == "pending")
            .order_by(ScheduledMessage.due_at).limit(1))
    assert next_due is not None
    await at(env, next_due)
    for _ in range(20):
        async with env.db() as db:
            case = await db.escalations.unresolved_for(user.invite.patient_id)
        if case is not None:
            break
        await env.deliver(timedelta(seconds=1))
    api.faults.rate_5xx = 0.0
    assert case is not None and case.kind == "delivery" and case.alert_message_id is None
    return case


@CHATS
async def test_red_flag_joining_a_delivery_case_escalates_until_acknowledged(
    tmp_path: Path, chat: str
) -> None:
    """A red flag joins the patient's delivery case (which has no card): the same case turns
    red with a card of its own carrying Acknowledge, and the ladder runs across a restart
    until Acknowledge."""
    async with telegram(chat) as api:
        async with bot(tmp_path, api) as env:
            user = await joined(env)
            delivery = await delivery_case(env, user)
            [urgent] = await env.ask(user, RED_FLAG)
            assert "+91 00000 00000" in urgent.visible
            raised = env.clock.now()
            card, case = await fresh_card(env, user, RED_FLAG, "Red flag")
            assert case.id == delivery.id and case.kind == "red_flag"
            if chat == "forum":
                assert card.message_thread_id == await topic_of(env, user.invite.patient_id)
            await first_rounds(env, user.id, case.id, raised)
        await after_restart(tmp_path, api, user.id, case.id, card, raised)


async def checkin_question(env: BotEnv, user: Any) -> Any:
    """The day-1 check-in (Tuesday 18:00 at the patient's), as the patient sees it."""
    await env.deliver(timedelta(hours=32))
    return next(m for m in reversed(env.sent_to(user.id)) if m.buttons)


@CHATS
async def test_escalating_checkin_in_an_acknowledged_case_escalates_until_acknowledged(
    tmp_path: Path, chat: str
) -> None:
    """A case staff acknowledged, then "I'm worried" on a check-in at 20:35: the patient is
    told the team knows, a fresh check-in card with Acknowledge, and the ladder runs on into
    quiet hours (which hold no page) across a restart until Acknowledge."""
    async with telegram(chat) as api:
        async with bot(tmp_path, api) as env:
            user = await joined(env)
            before = len(env.sent_to(ALERT_CHAT_ID))
            await user.send(QUESTION)
            await user.expect("passed your question")
            [first] = await env.wait_sent(ALERT_CHAT_ID, before)
            await env.recorded(first)
            await env.staff.press("👀 Acknowledge", on_message=first)
            await case_of(env, user.invite.patient_id, status="acknowledged")
            checkin = await checkin_question(env, user)
            env.clock.set(EVENING)
            [told] = await env.press(user, "I'm worried", on_message=checkin)
            assert "has been told" in told.visible
            raised = env.clock.now()
            card, case = await fresh_card(env, user, "I'm worried",
                                          "Check-in answer needs attention")
            assert case.kind == "checkin"
            if chat == "forum":
                assert card.message_thread_id == first.message_thread_id is not None
            await first_rounds(env, user.id, case.id, raised)
        await after_restart(tmp_path, api, user.id, case.id, card, raised)


@CHATS
async def test_forget_during_an_open_red_flag_stops_the_ladder_and_tells_staff_once(
    tmp_path: Path, chat: str
) -> None:
    """/forget while a red flag is unacknowledged: its card loses words and buttons, one
    post tells staff the red flag was open and the patient can no longer be reached, the
    case is closed as erased, and on-call is never paged again."""
    async with telegram(chat) as api, bot(tmp_path, api) as env:
        user = await joined(env)
        patient_id = user.invite.patient_id
        await env.ask(user, RED_FLAG)
        card = await posted(env, RED_FLAG)
        await env.recorded(card)
        case = await case_of(env, patient_id, status="open", card=card)
        raised = env.clock.now()
        await at(env, raised + timedelta(minutes=10, seconds=1))
        assert seen(env, user.id) == Seen(realerts=1, on_call=1, admin=0, patient=0)
        await env.ask(user, "/forget")
        await env.press(user, "Yes, erase my data")
        notice = await posted(env, "was still unresolved")
        assert f"patient #{patient_id}" in notice.visible
        assert "can no longer reach" in notice.visible
        if chat == "forum":
            assert notice.message_thread_id == card.message_thread_id is not None
        else:
            assert notice.reply_to_message_id == card.message_id
        erased = await card_now(env, card)
        assert "Details erased" in erased.visible and RED_FLAG not in erased.visible
        assert erased.buttons == []
        async with env.db() as db:
            closed = await db.escalations.get(case.id)
        assert closed is not None and (closed.status, closed.closed_reason) == (
            "resolved", "erased")
        assert await waiting(env, case.id) == []
        await at(env, raised + timedelta(hours=3))
        # No page since; the re-announcement in the staff chat is erased with the card.
        assert seen(env, user.id) == Seen(realerts=0, on_call=1, admin=0, patient=0)
        assert sum("was still unresolved" in m.visible
                   for m in env.sent_to(ALERT_CHAT_ID)) == 1
        assert not any("erased" in m.visible for m in env.sent_to(ON_CALL))
        log = env.logs.text()
        assert RED_FLAG not in log and LABEL not in log


async def test_checkin_alert_not_stored_is_not_claimed(
    bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worrying check-in answer whose alert cannot be stored: the patient is not told the
    team knows; they get the clinic's contact and emergency route instead."""
    user = await joined(bot_env)
    checkin = await checkin_question(bot_env, user)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(inbox, "raise_alert_in", broken)
    [reply] = await bot_env.press(user, "I'm worried", on_message=checkin)
    assert "could not pass your message to the clinic team" in reply.visible
    assert "+91 00000 00000" in reply.visible
    await bot_env.settle()
    assert not any("has been told" in m.visible for m in bot_env.sent_to(user.id))
    async with bot_env.db() as db:
        assert await db.escalations.list_open() == ()
    assert "RuntimeError" in bot_env.logs.text()


async def test_worrying_checkin_after_hours_gives_the_emergency_route(make_bot_env: Any) -> None:
    """Outside clinic.hours (Tuesday 20:35) a worrying check-in answer is followed at once
    by "the clinic is closed" and the emergency route, as the urgent reply to text is."""
    extra = {"clinic": {"hours": "Mon-Sat 09:00-19:00", "emergency": {"en": "Call 108 now."}}}
    async with make_bot_env(settings_extra=extra) as env:
        user = await joined(env)
        checkin = await checkin_question(env, user)
        env.clock.set(EVENING)
        told, closed = await env.press(user, "I'm worried", on_message=checkin, count=2)
        assert "has been told" in told.visible
        assert "clinic is closed" in closed.visible and "Call 108 now." in closed.visible
