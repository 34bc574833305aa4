"""/cancel asks first and can be undone for a day (issue 21); the patient's status says
"cancelled" in /patients, /patient and /stats, and /session afterwards says the right
thing. SQLite, and the key flow on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.harness import BotEnv

YES, NO, UNDO = "Yes, cancel care", "No, keep it", "↩️ Undo"


async def edited(env: BotEnv, message: Any, edits: int = 1) -> Any:
    """`message` once the bot has edited it `edits` times."""
    for _ in range(250):
        current = env.api.state.find(message.chat_id, message.message_id)
        if current is not None and current.edits >= edits:
            return current
        await asyncio.sleep(0.02)
    raise AssertionError("the message was not edited")


async def confirm_cancel(env: BotEnv, patient_id: int) -> Any:
    """/cancel <id>, then Yes: the answer (the question, edited)."""
    [question] = await env.ask(env.staff, f"/cancel {patient_id}")
    assert [b.text for b in question.buttons] == [YES, NO]
    await env.staff.press(YES, on_message=question)
    return await edited(env, question)


async def joined_patient(env: BotEnv, user_id: int = 5301, label: str = "Priya Kapoor") -> Any:
    invite = await env.invite(label=label)
    user = env.patient(user_id)
    await env.activate(invite, user)
    await env.deliver()
    user.invite = invite
    return user


async def pending(env: BotEnv, enrollment_id: int) -> int:
    async with env.db() as db:
        plan = await db.messages.list_for_enrollment(enrollment_id)
    return sum(1 for m in plan if m.status == "pending")


async def test_cancel_asks_then_cancels_and_undo_puts_it_back(bot_env: BotEnv) -> None:
    """/cancel shows what would stop with Yes / No and changes nothing; Yes cancels and
    tells the patient; Undo restores the plan and tells the patient it is back on."""
    env = bot_env
    user = await joined_patient(env)
    invite = user.invite
    waiting = await pending(env, invite.enrollment_id)
    [question] = await env.ask(env.staff, f"/cancel {invite.patient_id}")
    assert "Cancel the care of patient #1 Priya Kapoor?" in question.visible
    assert f"{waiting} message(s) still to go out" in question.visible
    assert await pending(env, invite.enrollment_id) == waiting  # asking changes nothing
    before = len(env.sent_to(user.id))
    await env.staff.press(YES, on_message=question)
    done = await edited(env, question)
    assert "care cancelled (1 enrollment(s)" in done.visible and "/undo 1" in done.visible
    assert [b.text for b in done.buttons] == [UNDO]
    await env.deliver()
    [notice] = await env.wait_sent(user.id, before)
    assert "cancelled by the clinic" in notice.visible
    assert await pending(env, invite.enrollment_id) == 0
    env.clock.advance(timedelta(hours=2))
    await env.staff.press(UNDO, on_message=done)
    undone = await edited(env, question, edits=2)
    assert "the cancel is undone" in undone.visible and undone.buttons == []
    assert "the patient is told their reminders are back on" in undone.visible
    assert await pending(env, invite.enrollment_id) > 0
    async with env.db() as db:
        enrollment = await db.enrollments.get(invite.enrollment_id)
        events = [e.outcome for e in await db.audit.list(action="cancel.undo")]
    assert enrollment is not None and enrollment.status == "active" and events == ["ok"]
    await env.deliver()
    assert any("switched your reminders back on" in m.visible for m in env.sent_to(user.id))


async def test_no_keeps_everything(bot_env: BotEnv) -> None:
    """No, keep it: nothing is cancelled, the question says so and loses its buttons."""
    env = bot_env
    user = await joined_patient(env)
    waiting = await pending(env, user.invite.enrollment_id)
    [question] = await env.ask(env.staff, f"/cancel {user.invite.patient_id}")
    await env.staff.press(NO, on_message=question)
    kept = await edited(env, question)
    assert "was not cancelled" in kept.visible and kept.buttons == []
    assert await pending(env, user.invite.enrollment_id) == waiting


async def test_status_says_cancelled_everywhere_and_session_restarts(bot_env: BotEnv) -> None:
    """After a cancel, /patients, /patient and /stats say "cancelled" (not "active");
    /session then says care starts again with it and the status is active again."""
    env = bot_env
    user = await joined_patient(env)
    patient_id = user.invite.patient_id
    await confirm_cancel(env, patient_id)
    [listing] = await env.ask(env.staff, "/patients")
    assert "· cancelled ·" in listing.visible and "· active ·" not in listing.visible
    [detail] = await env.ask(env.staff, f"/patient {patient_id}")
    assert "Status: cancelled" in detail.visible
    [stats] = await env.ask(env.staff, "/stats")
    assert "Patients: cancelled 1" in stats.visible
    [session] = await env.ask(env.staff, f"/session {patient_id} tomorrow 11")
    assert "Their care had been cancelled: it starts again" in session.visible
    # A future time books the session (issue 22): care starts again with its pre-care.
    assert "session 2 booked for 2026-03-03 11:00" in session.visible
    [detail] = await env.ask(env.staff, f"/patient {patient_id}")
    assert "Status: active" in detail.visible
    [undo] = await env.ask(env.staff, f"/undo {patient_id}")
    assert "new session or invitation since" in undo.visible


async def test_an_invitation_cancelled_then_undone_works_again(bot_env: BotEnv) -> None:
    """Cancelling someone who never joined voids their link; /session says to /undo or
    /enroll; /undo (the caller's latest) makes the same link work again."""
    env = bot_env
    invite = await env.invite(label="Kabir")
    done = await confirm_cancel(env, invite.patient_id)
    assert "Nobody is told" in done.visible
    [session] = await env.ask(env.staff, f"/session {invite.patient_id}")
    assert "cancelled before they joined" in session.visible
    [undo] = await env.ask(env.staff, "/undo")
    assert "the cancel is undone" in undo.visible
    user = env.patient(5302)
    await env.ask(user, f"/start {invite.code}")
    joined = await env.press(user, "Yes, I agree")
    assert "all set" in joined[0].visible


async def test_undo_is_refused_after_a_day(bot_env: BotEnv) -> None:
    """The Undo button a day and a minute later says it is too late and changes nothing."""
    env = bot_env
    user = await joined_patient(env)
    done = await confirm_cancel(env, user.invite.patient_id)
    env.clock.advance(timedelta(days=1, minutes=1))
    await env.staff.press(UNDO, on_message=done)
    late = await edited(env, done, edits=2)
    assert "more than a day old" in late.visible
    assert await pending(env, user.invite.enrollment_id) == 0


async def test_buttons_are_staff_only(bot_env: BotEnv) -> None:
    """Someone who is not staff pressing Yes (a forged press) is refused and audited."""
    env = bot_env
    user = await joined_patient(env)
    [question] = await env.ask(env.staff, f"/cancel {user.invite.patient_id}")
    stranger = env.user(7777, first_name="Eve")
    await stranger.press(YES, on_message=question)
    await env.settle()
    assert await pending(env, user.invite.enrollment_id) > 0
    async with env.db() as db:
        [refusal] = await db.audit.list(action="cancel", outcome="refused")
    assert refusal.actor_id == 7777


@pytest.mark.postgres
async def test_cancel_and_undo_on_postgres(bot_env_pg: BotEnv) -> None:
    """On PostgreSQL: confirm, status cancelled, undo restores the plan."""
    env = bot_env_pg
    user = await joined_patient(env)
    waiting = await pending(env, user.invite.enrollment_id)
    done = await confirm_cancel(env, user.invite.patient_id)
    [listing] = await env.ask(env.staff, "/patients")
    assert "· cancelled ·" in listing.visible
    await env.staff.press(UNDO, on_message=done)
    await edited(env, done, edits=2)
    assert await pending(env, user.invite.enrollment_id) == waiting
