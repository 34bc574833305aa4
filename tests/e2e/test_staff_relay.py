"""Relay: a staff reply to an alert in the staff chat reaches the patient, and only then."""

from __future__ import annotations

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv

HOSTILE_REPLY = "Keep it cool <i>please</i> & call us"


async def active_patient(env: BotEnv, user_id: int = 5001) -> tuple:
    invite = await env.invite(label="Relay patient")
    user = env.patient(user_id)
    await env.activate(invite, user)
    return invite, user


async def test_staff_reply_to_alert_reaches_patient(bot_env: BotEnv) -> None:
    """The reply arrives prefixed "Reply from <clinic>:", escaped; staff get a confirmation;
    the escalation is closed and audited."""
    invite, user = await active_patient(bot_env)
    alert = await bot_env.post_alert(invite.patient_id)
    before_patient = len(bot_env.sent_to(user.id))
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.staff.reply_to(alert, HOSTILE_REPLY)
    [relayed] = await bot_env.wait_sent(user.id, before_patient)
    assert relayed.visible.startswith("Reply from Sunrise Clinic:")
    assert HOSTILE_REPLY in relayed.visible
    [confirmation] = await bot_env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert f"Sent to patient #{invite.patient_id}" in confirmation.visible
    async with bot_env.db() as db:
        # Answering acknowledges the case (the ladder stops); it stays unresolved.
        [case] = await db.escalations.list_open()
        assert case.status == "acknowledged" and case.acknowledged_by == bot_env.staff.id
        [event] = await db.audit.list(action="relay")
        assert event.outcome == "ok" and event.detail == f"patient:{invite.patient_id}"


async def test_reply_by_non_staff_group_member_is_refused(bot_env: BotEnv) -> None:
    """Someone in the group who is not staff cannot answer patients (refused, audited)."""
    invite, user = await active_patient(bot_env)
    alert = await bot_env.post_alert(invite.patient_id)
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.user(7777).reply_to(alert, "hi from an outsider")
    [refusal] = await bot_env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert "Only clinic staff" in refusal.visible
    await bot_env.settle()
    assert not any("outsider" in m.visible for m in bot_env.sent_to(user.id))
    async with bot_env.db() as db:
        [event] = await db.audit.list(action="relay")
        assert event.outcome == "refused" and event.actor_id == 7777
        assert len(await db.escalations.list_open()) == 1


async def test_reply_to_a_bot_post_that_answers_no_patient_is_answered(
    bot_env: BotEnv,
) -> None:
    """A staff reply to a bot post that is no patient's (a summary): a short answer says it
    reached nobody, never silence, and it is audited; nothing goes to any patient."""
    _invite, user = await active_patient(bot_env)
    other = await bot_env.app.bot.send_message(ALERT_CHAT_ID, "Daily summary")
    message = bot_env.api.state.find(ALERT_CHAT_ID, other.message_id)
    assert message is not None
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.staff.reply_to(message, "thanks, noted")
    [answer] = await bot_env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert "answers no patient" in answer.visible
    assert answer.reply_to_message_id is not None  # under the staff message it answers
    assert not any("noted" in m.visible for m in bot_env.sent_to(user.id))
    async with bot_env.db() as db:
        [event] = await db.audit.list(action="relay")
    assert (event.actor_id, event.outcome, event.detail) == (
        bot_env.staff.id, "invalid", "answers no patient")


async def test_reply_for_a_stopped_patient_is_not_delivered(bot_env: BotEnv) -> None:
    """When the patient stopped (or blocked, or forgot), staff are told it cannot be delivered."""
    invite, user = await active_patient(bot_env)
    alert = await bot_env.post_alert(invite.patient_id)
    async with bot_env.db() as db:
        await db.patients.set_status(invite.patient_id, "stopped")
    before_patient = len(bot_env.sent_to(user.id))
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.staff.reply_to(alert, "Are you OK?")
    [notice] = await bot_env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert "Not delivered" in notice.visible
    await bot_env.settle()
    assert len(bot_env.sent_to(user.id)) == before_patient


async def test_reply_when_telegram_refuses_tells_staff(bot_env: BotEnv) -> None:
    """A patient who blocked the bot (403) turns into a "not delivered" note for staff."""
    invite, user = await active_patient(bot_env)
    alert = await bot_env.post_alert(invite.patient_id)
    bot_env.api.faults.blocked_chats.add(user.id)
    before_staff = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.staff.reply_to(alert, "Hello?")
    [notice] = await bot_env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert "Not delivered" in notice.visible and "blocked" in notice.visible
