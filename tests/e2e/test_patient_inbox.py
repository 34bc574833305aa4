"""Free text and check-ins: red flags, FAQ with typos, hand-off and relay, check-in answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv

LABEL = "Asha <b>K</b> & co"


async def joined(env: BotEnv, user_id: int = 6001, *, language_code: str = "en") -> Any:
    """A patient who accepted an invite through Telegram (label deliberately hostile)."""
    invite = await env.invite(label=LABEL)
    user = env.patient(user_id, language_code=language_code)
    await env.ask(user, f"/start {invite.code}")
    await user.press("Yes")
    await user.expect("/timezone")
    await env.deliver()
    user.invite = invite
    return user


async def open_escalation(env: BotEnv, *, with_alert: bool) -> Any:
    """The one open escalation, once its alert message id is stored (delivery records it
    with the card's outcome, just after Telegram answers: within a pass, or at the next)."""
    for _ in range(500):
        async with env.db() as db:
            found = await db.escalations.list_open()
        if found and (found[0].alert_message_id is not None or not with_alert):
            [escalation] = found
            return escalation
        await env.settle(0.02)
    raise AssertionError("no open escalation with its alert message")


async def test_red_flag_gets_urgent_reply_and_staff_alert(bot_env: BotEnv) -> None:
    """A red flag: the urgent reply with the contact, and the staff chat gets label and words."""
    user = await joined(bot_env)
    words = "I have a high fever and there is pus <since> today & it hurts"
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    [reply] = await bot_env.ask(user, words)
    assert "+91 00000 00000" in reply.visible
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert words in alert.visible
    assert LABEL in alert.visible  # shown as typed: escaped, not interpreted
    assert f"Patient #{user.invite.patient_id}" in alert.visible
    assert f"enrollment #{user.invite.enrollment_id}" in alert.visible
    escalation = await open_escalation(bot_env, with_alert=True)
    assert escalation.kind == "red_flag" and escalation.rule_id
    assert escalation.alert_message_id == alert.message_id
    assert escalation.patient_text == words
    # Privacy: neither the patient's words nor the label reach the log.
    log = bot_env.logs.text()
    assert "high fever" not in log and "Asha" not in log


async def test_red_flag_alert_survives_a_telegram_error(bot_env: BotEnv) -> None:
    """Telegram fails every send: the alert goes to the outbox and reaches staff later."""
    user = await joined(bot_env)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    bot_env.api.faults.rate_5xx = 1.0
    await user.send("my face is swollen and I have trouble breathing")
    await bot_env.settle(0.5)
    bot_env.api.faults.rate_5xx = 0.0
    await bot_env.deliver(timedelta(seconds=30))
    alerts = bot_env.sent_to(ALERT_CHAT_ID)[before:]
    assert any("trouble breathing" in message.visible for message in alerts)


async def test_faq_with_typos_in_english(bot_env: BotEnv) -> None:
    """"wen can i wear mekup" finds the makeup answer."""
    user = await joined(bot_env)
    replies = await bot_env.ask(user, "wen can i wear mekup again")
    assert "When can I wear makeup again?" in replies[0].visible


async def test_faq_in_hindi_and_hinglish(bot_env: BotEnv) -> None:
    """A Hindi patient asking in Devanagari or in Latin letters gets the Hindi answer."""
    user = await joined(bot_env, 6002, language_code="hi")
    replies = await bot_env.ask(user, "क्या मैं शराब पी सकता हूँ")
    assert "क्या शराब पी सकते हैं?" in replies[0].visible
    replies = await bot_env.ask(user, "sharaab kab pee sakte hai")
    assert "क्या शराब पी सकते हैं?" in replies[0].visible


async def test_handoff_reaches_staff_and_reply_comes_back(bot_env: BotEnv) -> None:
    """No FAQ answer: a polite hand-off, the question in the staff chat, the reply relayed."""
    user = await joined(bot_env)
    question = "Is my <parrot> allowed in the waiting room & the lift?"
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await user.send(question)
    await user.expect("passed your question")
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert question in alert.visible
    await bot_env.recorded(alert)
    before_patient = len(bot_env.sent_to(user.id))
    await bot_env.staff.reply_to(alert, "Yes, she can")
    [relayed] = await bot_env.wait_sent(user.id, before_patient)
    assert "Yes, she can" in relayed.visible


async def test_stranger_and_stopped_patient_free_text(bot_env: BotEnv) -> None:
    """A stranger is sent to the clinic; a stopped patient is told messages are off, yet a
    red flag from them still alerts staff."""
    stranger = bot_env.patient(6003)
    [reply] = await bot_env.ask(stranger, "hello, when can I wear makeup?")
    assert "invite link" in reply.visible
    user = await joined(bot_env, 6004)
    async with bot_env.db() as db:
        await db.patients.set_status(user.invite.patient_id, "stopped")
    [reply] = await bot_env.ask(user, "when can I wear makeup?")
    assert "switched off" in reply.visible
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.ask(user, "there is pus coming out")
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "pus coming out" in alert.visible


async def _checkin(env: BotEnv, user: Any) -> Any:
    """Deliver up to the day-1 evening check-in and return it."""
    await env.deliver(timedelta(hours=32))
    return next(m for m in reversed(env.sent_to(user.id)) if m.buttons)


async def test_checkin_answer_is_recorded_once(bot_env: BotEnv) -> None:
    """Pressing an answer records it, thanks, edits away the buttons; a second press says
    "already recorded"."""
    user = await joined(bot_env, 6005)
    checkin = await _checkin(bot_env, user)
    assert all(b.callback_data.startswith("ci:") for b in checkin.buttons)
    await user.press("Feels fine", on_message=checkin)
    await user.expect("recorded")
    edited = bot_env.api.state.find(user.id, checkin.message_id)
    assert edited is not None and not edited.buttons and "Feels fine" in edited.visible
    async with bot_env.db() as db:
        [answer] = await db.checkins.list_for_patient(user.invite.patient_id)
        assert answer.option_id == "d1-fine" and not answer.escalated
    # A second tap (a slow client still showing the buttons) sends the old callback again.
    await bot_env.api.deliver({"callback_query": {
        "id": "again-1", "from": user.user, "data": checkin.buttons[-1].callback_data,
        "chat_instance": "x", "message": checkin.payload,
    }})
    await user.expect("already recorded")
    async with bot_env.db() as db:
        assert len(await db.checkins.list_for_patient(user.invite.patient_id)) == 1


async def test_escalating_checkin_answer_alerts_staff(bot_env: BotEnv) -> None:
    """"I'm worried" is stored as escalated and alerts staff like a red flag."""
    user = await joined(bot_env, 6006)
    checkin = await _checkin(bot_env, user)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await user.press("I'm worried", on_message=checkin)
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "I'm worried" in alert.visible and "Check-in" in alert.visible
    escalation = await open_escalation(bot_env, with_alert=True)
    assert escalation.kind == "checkin"
    async with bot_env.db() as db:
        [answer] = await db.checkins.list_for_patient(user.invite.patient_id)
        assert answer.escalated


async def test_forged_checkin_button_is_refused(bot_env: BotEnv) -> None:
    """A check-in callback for someone else's message records nothing."""
    owner = await joined(bot_env, 6007)
    checkin = await _checkin(bot_env, owner)
    other = await joined(bot_env, 6008)
    data = checkin.buttons[0].callback_data
    await bot_env.api.deliver({"callback_query": {
        "id": "forged-1", "from": other.user, "data": data, "chat_instance": "x",
        "message": {**checkin.payload, "chat": other.chat},
    }})
    await bot_env.settle()
    async with bot_env.db() as db:
        assert await db.checkins.list_for_patient(owner.invite.patient_id) == ()
        assert await db.checkins.list_for_patient(other.invite.patient_id) == ()
