"""Cases stay consistent: each transition is a compare-and-set, so of two staff acting at
once the second changes nothing and is told who was first; a reply to any card of a case
reaches the patient, also the moment the card arrives (before its id is recorded) and on
the copy a crash left behind. Through the running bot, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bot.staff_cases import case_keyboard
from storage.models import ScheduledMessage
from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined, open_escalation

COLLEAGUE = 2000
QUESTION = "Is my parrot allowed in the waiting room?"
ANSWER = "Yes, the parrot may come in its cage."


async def _colleague(env: BotEnv) -> Any:
    async with env.db() as db:
        await db.staff.add(COLLEAGUE, ADMIN_ID, env.clock.now())
    return env.user(COLLEAGUE, first_name="Colleague")


async def _answer_to(env: BotEnv, user_id: int, query: str) -> str | None:
    """The answer a pressed button got (answerCallbackQuery), once it came."""
    for _ in range(250):
        answers = [a for a in env.api.callback_answers if a.callback_query_id == query]
        if answers:
            return answers[0].text
        await env.settle(0.02)
    raise AssertionError(f"no answer to {user_id}'s press")


async def _question_card(env: BotEnv, user: Any) -> tuple[Any, Any]:
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await user.expect("passed your question")
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    return card, await open_escalation(env, with_alert=True)


async def test_the_second_to_act_is_told_who_was_first(plain_bot: BotEnv) -> None:
    """A colleague resolves the case on its card; the admin then presses Acknowledge on the
    /case answer they had open: nothing changes, and the admin is told it was already
    resolved, and by whom."""
    env = plain_bot
    colleague = await _colleague(env)
    user = await joined(env)
    card, case = await _question_card(env, user)
    [mine] = await env.ask(env.staff, f"/case {case.id}")  # still shows Acknowledge
    resolved = await colleague.press("✅ Resolve", on_message=card)
    assert await _answer_to(env, COLLEAGUE, resolved["callback_query"]["id"]) == "Resolved."
    late = await env.staff.press("👀 Acknowledge", on_message=mine)
    told = await _answer_to(env, ADMIN_ID, late["callback_query"]["id"])
    assert told == "Already resolved by Colleague."  # by name, as the bot saw them
    async with env.db() as db:
        now = await db.escalations.get(case.id)
    assert now is not None and (now.status, now.resolved_by) == ("resolved", COLLEAGUE)


async def test_acknowledge_and_resolve_at_once_leave_a_consistent_case(
    plain_bot: BotEnv,
) -> None:
    """Ten times, the admin presses Acknowledge and a colleague Resolve at the same moment,
    each on the case's /case answer in their own chat (handled concurrently): every case
    ends resolved (never "acknowledged" with a closing time), and whoever lost was told who
    was first; an acknowledgement reported as done happened before the resolution."""
    env = plain_bot
    colleague = await _colleague(env)
    user = await joined(env)
    for _round in range(10):
        _card, case = await _question_card(env, user)
        [mine] = await env.ask(env.staff, f"/case {case.id}")
        [theirs] = await env.ask(colleague, f"/case {case.id}")
        pressed = await asyncio.gather(env.staff.press("👀 Acknowledge", on_message=mine),
                                       colleague.press("✅ Resolve", on_message=theirs))
        acked = await _answer_to(env, ADMIN_ID, pressed[0]["callback_query"]["id"])
        resolved = await _answer_to(env, COLLEAGUE, pressed[1]["callback_query"]["id"])
        async with env.db() as db:
            now = await db.escalations.get(case.id)
        assert now is not None and now.status == "resolved" and now.closed_at is not None
        assert resolved == "Resolved." and now.resolved_by == COLLEAGUE
        if acked == "Acknowledged.":
            assert now.acknowledged_by == ADMIN_ID  # it came first
        else:
            assert acked == "Already resolved by Colleague."
            assert now.acknowledged_by == COLLEAGUE  # resolving an open case acknowledges it


async def test_a_reply_to_a_card_the_moment_it_arrives_reaches_the_patient(
    plain_bot: BotEnv,
) -> None:
    """Telegram answers the card's send late (the card is in the chat, the bot has not
    recorded its id): a staff reply to it right away still reaches the patient, found by
    the card's own buttons."""
    env = plain_bot
    user = await joined(env)
    env.api.faults.for_method("sendMessage").late_seconds = 4.0
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    before_patient = len(env.sent_to(user.id))
    await env.staff.reply_to(card, ANSWER)
    relayed = await env.wait_sent(user.id, before_patient, count=2)
    assert any(ANSWER in m.visible for m in relayed)
    async with env.ctx.sessions() as session:
        recorded = await session.scalar(select(ScheduledMessage.telegram_message_id).where(
            ScheduledMessage.kind == "card"))
    assert recorded is None  # relayed before delivery had recorded the card
    env.api.faults.for_method("sendMessage").late_seconds = 0.0


async def test_a_reply_to_the_copy_of_a_card_left_by_a_crash_reaches_the_patient(
    plain_bot: BotEnv,
) -> None:
    """A crash between a card's send and its record sends it twice; the copy that was
    never recorded is the one staff answer: the reply still reaches the patient."""
    env = plain_bot
    user = await joined(env)
    card, case = await _question_card(env, user)
    await env.recorded(card)
    duplicate = await env.app.bot.send_message(ALERT_CHAT_ID, card.text,
                                               reply_markup=case_keyboard(case.id))
    copy = env.api.state.find(ALERT_CHAT_ID, duplicate.message_id)
    assert copy is not None
    before_patient = len(env.sent_to(user.id))
    await env.staff.reply_to(copy, ANSWER)
    [relayed] = await env.wait_sent(user.id, before_patient)
    assert ANSWER in relayed.visible
    for _ in range(250):
        async with env.db() as db:
            events = await db.audit.list(action="relay")
        if events:
            break
        await env.settle(0.02)
    [event] = events
    assert event.outcome == "ok" and event.target == f"escalation:{case.id}"


async def test_a_case_id_past_the_database_range_is_not_found(plain_bot: BotEnv) -> None:
    """/case with an id no case can have (past PostgreSQL's INTEGER): "no such case", never
    the error reply."""
    [answer] = await plain_bot.ask(plain_bot.staff, "/case 99999999999")
    assert "There is no case" in answer.visible or "Usage" in answer.visible
    assert "went wrong" not in answer.visible
