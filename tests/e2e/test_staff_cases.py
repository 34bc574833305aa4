"""Cases end to end: the card's buttons, /cases and /case, joining an open case, and the
red-flag ladder (re-alert and page at 10 min, patient follow-up at 15, pages again every
15 after that: tests/e2e/test_staff_escalation.py) run by delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BotEnv, running_bot
from tests.e2e.test_patient_inbox import joined, open_escalation

RED_FLAG = "I have a high fever and there is pus since today"


async def red_flag_card(env: BotEnv, user: Any) -> tuple[Any, Any]:
    """The patient writes a red flag: (the card in the staff chat, the case)."""
    before = len(env.sent_to(ALERT_CHAT_ID))
    await env.ask(user, RED_FLAG)
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    case = await open_escalation(env, with_alert=True)
    return card, case


async def card_now(env: BotEnv, card: Any, edits: int = 1) -> Any:
    """The card's current version once it has been edited `edits` times."""
    for _ in range(200):
        current = env.api.state.find(card.chat_id, card.message_id)
        if current is not None and current.edits >= edits:
            return current
        await asyncio.sleep(0.02)
    raise AssertionError("the card was not edited")


async def test_card_has_buttons_and_acknowledge_stops_the_ladder(bot_env: BotEnv) -> None:
    """A red-flag card carries Acknowledge / Resolve / Assign to me; staff acknowledge: the
    card shows who, and at +10 / +15 min nothing more goes to staff or the patient."""
    user = await joined(bot_env)
    card, case = await red_flag_card(bot_env, user)
    assert [b.text for b in card.buttons] == ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
    await bot_env.staff.press("👀 Acknowledge", on_message=card)
    edited = await card_now(bot_env, card)
    assert "Acknowledged by Admin" in edited.visible
    assert RED_FLAG in edited.visible
    assert [b.text for b in edited.buttons] == ["✅ Resolve", "🙋 Assign to me"]
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    before_patient = len(bot_env.sent_to(user.id))
    assert await bot_env.deliver(timedelta(minutes=20)) == 0
    assert len(bot_env.sent_to(ALERT_CHAT_ID)) == before_staff
    assert len(bot_env.sent_to(user.id)) == before_patient
    async with bot_env.db() as db:
        timers = await db.escalations.timers(case.id)
        acked = await db.escalations.get(case.id)
        [event] = await db.audit.list(action="case_acknowledge")
    assert timers and all(status == "cancelled" for _id, status in timers)
    assert acked is not None and acked.status == "acknowledged"
    assert acked.acknowledged_by == ADMIN_ID
    assert event.outcome == "ok" and event.actor_id == ADMIN_ID


async def test_ladder_realerts_pages_and_tells_the_patient(bot_env: BotEnv) -> None:
    """Nobody acknowledges: at 10 min a re-alert in the group and a private page to on-call
    (the admin), at 15 min a kind message with the emergency route to the patient (once),
    and on-call is paged again at 30 min."""
    user = await joined(bot_env)
    _card, case = await red_flag_card(bot_env, user)
    staff_before = len(bot_env.sent_to(ALERT_CHAT_ID))
    page_before = len(bot_env.sent_to(ADMIN_ID))
    patient_before = len(bot_env.sent_to(user.id))
    assert await bot_env.deliver(timedelta(minutes=9)) == 0
    assert await bot_env.deliver(timedelta(minutes=1, seconds=1)) == 2
    [realert] = bot_env.sent_to(ALERT_CHAT_ID)[staff_before:]
    [page] = bot_env.sent_to(ADMIN_ID)[page_before:]
    assert f"case #{case.id}" in realert.visible and "not acknowledged" in realert.visible
    assert f"/case {case.id}" in page.visible
    assert RED_FLAG not in realert.visible + page.visible  # ids only outside the card
    assert await bot_env.deliver(timedelta(minutes=5)) == 1
    [followup] = bot_env.sent_to(user.id)[patient_before:]
    assert "not picked up" in followup.visible and "+91 00000 00000" in followup.visible
    assert await bot_env.deliver(timedelta(minutes=14)) == 0
    assert await bot_env.deliver(timedelta(minutes=1)) == 1
    assert "(page 2)" in bot_env.sent_to(ADMIN_ID)[-1].visible
    assert len(bot_env.sent_to(user.id)) == patient_before + 1


async def test_non_staff_press_is_refused_and_audited(bot_env: BotEnv) -> None:
    """A group member who is not staff presses Resolve: refused, audited, the case stays open."""
    user = await joined(bot_env)
    card, case = await red_flag_card(bot_env, user)
    await bot_env.user(7777).press("✅ Resolve", on_message=card)
    for _ in range(200):
        if any(a.text and "Only clinic staff" in a.text for a in bot_env.api.callback_answers):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("no refusal")
    async with bot_env.db() as db:
        still = await db.escalations.get(case.id)
        [event] = await db.audit.list(action="case_resolve")
    assert still is not None and still.status == "open"
    assert event.outcome == "refused" and event.actor_id == 7777
    current = bot_env.api.state.find(card.chat_id, card.message_id)
    assert current is not None and current.edits == 0


async def test_follow_up_joins_the_case_and_cases_lists_it(bot_env: BotEnv) -> None:
    """A red flag after a hand-off joins the open case (no new one) and makes it urgent: a
    fresh red-flag card with the buttons, threaded under the first; /cases lists it with
    kind, age and holder; /case shows its messages; Assign and Resolve edit the new card."""
    user = await joined(bot_env)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.ask(user, "can i play cricket with my nephew next week")
    [first_card] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    case = await open_escalation(bot_env, with_alert=True)
    assert case.kind == "handoff"
    await bot_env.recorded(first_card)
    await bot_env.ask(user, RED_FLAG)  # a red flag inside the open case: it becomes urgent
    [card] = await bot_env.wait_sent(ALERT_CHAT_ID, before + 1)
    assert "Red flag" in card.visible and RED_FLAG in card.visible
    assert "cricket" not in card.visible  # the words that raised it, not the first question
    assert [b.text for b in card.buttons] == ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
    assert card.reply_to_message_id == first_card.message_id
    await bot_env.recorded(card)
    async with bot_env.db() as db:
        [only] = await db.escalations.list_open()
        messages = await db.escalations.messages(case.id)
        timers = await db.escalations.timers(case.id)
    assert only.id == case.id and only.kind == "red_flag"
    assert only.alert_message_id == card.message_id
    assert [m.patient_text for m in messages] == [RED_FLAG] and timers
    bot_env.clock.advance(timedelta(minutes=5))
    [listing] = await bot_env.ask(bot_env.staff, "/cases")
    line = f"#{case.id} · 🚨 red flag · patient #{user.invite.patient_id} · 5 min"
    assert line in listing.visible
    assert "nobody yet" in listing.visible
    [detail] = await bot_env.ask(bot_env.staff, f"/case {case.id}")
    assert RED_FLAG in detail.visible and "Later messages (1)" in detail.visible
    await bot_env.staff.press("🙋 Assign to me", on_message=card)
    assigned = await card_now(bot_env, card)
    assert "Assigned to Admin" in assigned.visible
    await bot_env.staff.press("✅ Resolve", on_message=assigned)
    resolved = await card_now(bot_env, card, edits=2)
    assert "Resolved by Admin" in resolved.visible and resolved.buttons == []
    [stats] = await bot_env.ask(bot_env.staff, "/stats")
    assert "🚨 red flag: 1 / 1 / 1" in stats.visible and "Open now: 0" in stats.visible
    assert "Time to acknowledge: median 5 min" in stats.visible
    [empty] = await bot_env.ask(bot_env.staff, "/cases")
    assert "No open cases" in empty.visible
    [bad] = await bot_env.ask(bot_env.staff, "/case 999")
    assert "no case #999" in bad.visible


async def test_after_hours_urgent_reply_gives_the_route_at_once(make_bot_env: Any) -> None:
    """Outside clinic.hours (Monday 20:00 clinic time) the urgent reply is followed at once by
    "the clinic is closed" and the emergency route; in hours it is not."""
    extra = {"clinic": {"hours": "Mon-Sat 09:00-19:00", "emergency": {"en": "Call 108 now."}}}
    evening = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 20:00 in Asia/Kolkata
    async with make_bot_env(settings_extra=extra, start=evening) as env:
        user = await joined(env)
        _urgent, closed = await env.ask(user, RED_FLAG, count=2)
        assert "clinic is closed" in closed.visible and "Call 108 now." in closed.visible
        assert "Mon-Sat 09:00-19:00" in closed.visible
    async with make_bot_env(settings_extra=extra) as env:  # Monday 10:30: open
        user = await joined(env, 6002)
        await env.ask(user, RED_FLAG)
        await env.settle()
        assert not any("clinic is closed" in m.visible for m in env.sent_to(user.id))


async def test_restart_between_alert_and_realert_realerts_once(tmp_path: Path) -> None:
    """The bot process stops after the red flag; a new one on the same database re-alerts
    and pages once at +10 min (the timers are rows), and the patient follow-up follows."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    async with running_bot(url) as env:
        user = await joined(env)
        _card, case = await red_flag_card(env, user)
        started = env.clock.now()
        patient_chat = user.id
    async with running_bot(url, start=started + timedelta(minutes=10, seconds=1)) as env:
        await env.startup_pass_done()  # the new process's first pass sends what is due
        await env.deliver()
        [realert] = env.sent_to(ALERT_CHAT_ID)
        assert f"case #{case.id}" in realert.visible
        assert len(env.sent_to(ADMIN_ID)) == 1
        assert await env.deliver() == 0
        assert await env.deliver(timedelta(minutes=5)) == 1
        assert len(env.sent_to(patient_chat)) == 1
