"""Joining by invite: consent, decline, bad codes, plain /start, a second procedure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.cancellations import cancel_care
from tests.e2e.harness import ADMIN_ID, BotEnv

ACCEPT = "Yes"


async def consent(env: BotEnv, user: Any) -> None:
    """Press Yes and wait for the confirmation (delivery may send other messages meanwhile)."""
    await user.press(ACCEPT)
    await user.expect("/timezone")


async def test_invite_consent_sends_due_now_messages(bot_env: BotEnv) -> None:
    """/start <code> shows clinic and procedure with a Yes button; Yes binds, plans, delivers."""
    invite = await bot_env.invite(label="Asha <b>x</b> & co")
    user = bot_env.patient(5001)
    [offer] = await bot_env.ask(user, f"/start {invite.code}")
    assert "Sunrise Clinic" in offer.visible
    assert "Micro mesotherapy" in offer.visible
    labels = [b.text for b in offer.buttons]
    # Yes, No, and (issue 10: consent offers the language choice) the clinic's other language.
    assert labels[0].startswith("Yes") and labels[1].startswith("No") and labels[2] == "हिन्दी"
    [done] = await bot_env.press(user, ACCEPT)
    assert "/timezone" in done.visible and "Asia/Kolkata" in done.visible
    sent = await bot_env.deliver()
    assert sent >= 1
    async with bot_env.db() as db:
        patient = await db.patients.get(invite.patient_id)
        assert patient is not None
        assert patient.status == "active" and patient.chat_id == user.id
        assert patient.language == "en"
        [enrollment] = await db.enrollments.list_for_patient(patient.id)
        assert enrollment.status == "active"
        messages = await db.messages.list_for_enrollment(enrollment.id)
        assert sum(m.status == "sent" for m in messages) == sent
        assert any(m.status == "pending" for m in messages)
    texts = [m.visible for m in bot_env.sent_to(user.id)]
    assert any("warm water" in text.lower() for text in texts)


async def test_hindi_telegram_user_gets_hindi(bot_env: BotEnv) -> None:
    """language_code "hi" gives the Hindi offer (Yes first on the button) and Hindi messages."""
    invite = await bot_env.invite()
    user = bot_env.patient(5002, language_code="hi")
    [offer] = await bot_env.ask(user, f"/start {invite.code}")
    assert "प्रक्रिया" in offer.visible
    assert offer.buttons[0].text.startswith("Yes")
    await bot_env.press(user, ACCEPT)
    await bot_env.deliver()
    async with bot_env.db() as db:
        patient = await db.patients.get(invite.patient_id)
        assert patient is not None and patient.language == "hi"
    delivered = [m.visible for m in bot_env.sent_to(user.id)][2:]
    assert delivered and all(any("\u0900" <= ch <= "\u097f" for ch in t) for t in delivered)


async def test_decline_stores_nothing_and_code_stays_usable(bot_env: BotEnv) -> None:
    """"No" leaves the patient invited, sends nothing, audits, and the link works later."""
    invite = await bot_env.invite()
    user = bot_env.patient(5003)
    await bot_env.ask(user, f"/start {invite.code}")
    [reply] = await bot_env.press(user, "No")
    assert "nothing has been saved" in reply.visible
    assert await bot_env.deliver() == 0
    async with bot_env.db() as db:
        patient = await db.patients.get(invite.patient_id)
        assert patient is not None and patient.status == "invited" and patient.chat_id is None
        [event] = await db.audit.list(action="invite.decline")
        assert event.actor_id == user.id
    [offer] = await bot_env.ask(user, f"/start {invite.code}")
    assert offer.buttons[0].text.startswith("Yes")


async def test_used_code_is_refused_for_someone_else(bot_env: BotEnv) -> None:
    """A second person opening a used link is told it was used; nothing changes."""
    invite = await bot_env.invite()
    first = bot_env.patient(5004)
    await bot_env.ask(first, f"/start {invite.code}")
    await bot_env.press(first, ACCEPT)
    second = bot_env.patient(5005)
    [reply] = await bot_env.ask(second, f"/start {invite.code}")
    assert "already been used" in reply.visible and not reply.buttons
    async with bot_env.db() as db:
        assert await db.patients.by_chat_id(second.id) is None


async def test_consent_button_replayed_by_another_chat_cannot_take_the_code(
    bot_env: BotEnv,
) -> None:
    """Two people holding the consent question: the first Yes wins, the second is refused."""
    invite = await bot_env.invite()
    one, two = bot_env.patient(5006), bot_env.patient(5007)
    await bot_env.ask(one, f"/start {invite.code}")
    await bot_env.ask(two, f"/start {invite.code}")
    await bot_env.press(one, ACCEPT)
    [reply] = await bot_env.press(two, ACCEPT)
    assert "already been used" in reply.visible
    async with bot_env.db() as db:
        patient = await db.patients.get(invite.patient_id)
        assert patient is not None and patient.chat_id == one.id
        assert await db.patients.by_chat_id(two.id) is None


async def test_expired_code_is_refused(bot_env: BotEnv) -> None:
    """After the invite's lifetime the link says "expired" and changes nothing."""
    invite = await bot_env.invite()
    bot_env.clock.advance(timedelta(days=8))
    user = bot_env.patient(5008)
    [reply] = await bot_env.ask(user, f"/start {invite.code}")
    assert "expired" in reply.visible and not reply.buttons
    async with bot_env.db() as db:
        assert await db.patients.by_chat_id(user.id) is None


async def test_cancelled_invite_says_it_was_cancelled(bot_env: BotEnv) -> None:
    """Issue 11: the code of an enrollment staff cancelled says "cancelled", not "expired",
    on /start and on a "Yes" pressed afterwards; nothing changes."""
    invite = await bot_env.invite()
    user = bot_env.patient(5013)
    await bot_env.ask(user, f"/start {invite.code}")
    await cancel_care(bot_env.ctx, invite.patient_id, staff_id=ADMIN_ID,
                      now=bot_env.ctx.clock.now())
    [pressed] = await bot_env.press(user, ACCEPT)
    assert "cancelled this invite" in pressed.visible
    [reply] = await bot_env.ask(user, f"/start {invite.code}")
    assert "cancelled this invite" in reply.visible and "expired" not in reply.visible
    assert not reply.buttons
    async with bot_env.db() as db:
        assert await db.patients.by_chat_id(user.id) is None


async def test_consent_offers_the_language_choice(bot_env: BotEnv) -> None:
    """Issue 10: the consent question has a button per other clinic language; pressing it
    shows the same offer in that language, and "Yes" then makes it the patient's language."""
    invite = await bot_env.invite()
    user = bot_env.patient(5014, language_code="en")
    [offer] = await bot_env.ask(user, f"/start {invite.code}")
    assert "Do you agree" in offer.visible
    await bot_env.press(user, "हिन्दी", count=0)
    for _ in range(200):
        edited = bot_env.api.state.find(offer.chat_id, offer.message_id)
        if edited is not None and "प्रक्रिया" in edited.visible:
            break
        await bot_env.settle(0.02)
    assert edited is not None and "प्रक्रिया" in edited.visible
    assert [b.text for b in edited.buttons][-1] == "English"
    [done] = await bot_env.press(user, ACCEPT, on_message=edited)
    assert "धन्यवाद" in done.visible
    async with bot_env.db() as db:
        patient = await db.patients.get(invite.patient_id)
    assert patient is not None and patient.language == "hi"


async def test_language_picked_on_a_second_invite_replans_the_first(bot_env: BotEnv) -> None:
    """A returning patient who picks Hindi on a second procedure's consent question: both
    plans are in Hindi, each stored once."""
    first = await bot_env.invite("micro-mesotherapy-face")
    user = bot_env.patient(5017)
    await bot_env.ask(user, f"/start {first.code}")
    await consent(bot_env, user)
    second = await bot_env.invite("micro-mesotherapy-hair")
    await bot_env.ask(user, f"/start {second.code}")
    # Delivery sends the first procedure's care meanwhile: take the offer itself.
    offer = await user.expect("agree to receive")
    await bot_env.press(user, "हिन्दी", on_message=offer, count=0)
    for _ in range(200):
        edited = bot_env.api.state.find(offer.chat_id, offer.message_id)
        if edited is not None and "प्रक्रिया" in edited.visible:
            break
        await bot_env.settle(0.02)
    before = len(bot_env.sent_to(bot_env.alert_chat_id))
    await bot_env.press(user, ACCEPT, on_message=edited)
    await user.expect("टीम")  # held in Hindi: the clinic checks (test_returning_patient.py)
    await bot_env.deliver()
    [question] = await bot_env.wait_sent(bot_env.alert_chat_id, before)
    await bot_env.staff.press(f"➕ Add to #{first.patient_id}", on_message=question)
    await user.expect("/timezone")
    async with bot_env.db() as db:
        for enrollment in await db.enrollments.list_for_patient(first.patient_id):
            messages = await db.messages.list_for_enrollment(enrollment.id)
            pending = [m for m in messages if m.status == "pending"]
            assert pending and all(any("\u0900" <= c <= "\u097f" for c in m.text)
                                   for m in pending)
            keys = [(m.step_id, m.occurrence) for m in messages]
            assert len(keys) == len(set(keys))


async def test_consent_confirmation_says_when_the_first_messages_come(bot_env: BotEnv) -> None:
    """Issue 11: joining right after the session: "on their way"; joining three weeks
    before it: the first pre-care message's local day and time."""
    now_invite = await bot_env.invite()
    user = bot_env.patient(5015)
    await bot_env.ask(user, f"/start {now_invite.code}")
    [done] = await bot_env.press(user, ACCEPT)
    assert "Your first messages are on their way." in done.visible
    # Session on Sunday 22 March, 10:30 in Kolkata: the day -14 reminder is 8 March, 10:00.
    later = await bot_env.invite(session_start=bot_env.clock.now() + timedelta(days=20))
    other = bot_env.patient(5016)
    await bot_env.ask(other, f"/start {later.code}")
    [done] = await bot_env.press(other, ACCEPT)
    assert "Your first message comes on Sun 08 Mar at 10:00." in done.visible


async def test_random_and_junk_codes_are_refused(bot_env: BotEnv) -> None:
    """Unknown codes (random, hostile markup) get the "not valid" reply, nothing else."""
    user = bot_env.patient(5009)
    for code in ("AAAAAAAAAAAAAAAAAAAAAA", "<script>alert(1)</script>", "x" * 300):
        [reply] = await bot_env.ask(user, f"/start {code}")
        assert "not valid" in reply.visible and not reply.buttons
    async with bot_env.db() as db:
        assert await db.patients.by_chat_id(user.id) is None


async def test_plain_start_for_stranger_and_for_patient(bot_env: BotEnv) -> None:
    """/start alone: a stranger is told to ask the clinic; an active patient gets /help."""
    stranger = bot_env.patient(5010)
    [reply] = await bot_env.ask(stranger, "/start")
    assert "invite link" in reply.visible
    invite = await bot_env.invite()
    user = bot_env.patient(5011)
    await bot_env.ask(user, f"/start {invite.code}")
    await bot_env.press(user, ACCEPT)
    await bot_env.deliver()  # let the due-now messages go out before asking again
    [reply] = await bot_env.ask(user, "/start")
    assert "/plan" in reply.visible and "/forget" in reply.visible


async def test_second_invite_in_a_bound_chat_adds_a_procedure(bot_env: BotEnv) -> None:
    """A patient who opens a second invite, once staff add it to their record, keeps one
    patient record with two enrollments (held first: tests/e2e/test_returning_patient.py)."""
    first = await bot_env.invite("micro-mesotherapy-face")
    user = bot_env.patient(5012)
    await bot_env.ask(user, f"/start {first.code}")
    await bot_env.press(user, ACCEPT)
    second = await bot_env.invite("micro-mesotherapy-hair")
    await bot_env.ask(user, f"/start {second.code}")
    # Delivery sends the first procedure's care meanwhile: wait for the offer itself
    # (pressing before it arrived found no button, now and then).
    await user.expect("agree to receive")
    before = len(bot_env.sent_to(bot_env.alert_chat_id))
    await user.press(ACCEPT)
    await user.expect("checking this invitation")
    await bot_env.deliver()
    [question] = await bot_env.wait_sent(bot_env.alert_chat_id, before)
    await bot_env.staff.press(f"➕ Add to #{first.patient_id}", on_message=question)
    await user.expect("/timezone")
    async with bot_env.db() as db:
        patient = await db.patients.by_chat_id(user.id)
        assert patient is not None and patient.id == first.patient_id
        enrollments = await db.enrollments.list_for_patient(patient.id)
        assert {e.protocol_id for e in enrollments} == {
            "micro-mesotherapy-face", "micro-mesotherapy-hair"
        }
        assert all(e.status == "active" for e in enrollments)
        placeholder = await db.patients.get(second.patient_id)
        assert placeholder is not None and placeholder.status == "merged"


@pytest.mark.postgres
async def test_consent_red_flag_and_stop_on_postgres(bot_env_pg: BotEnv) -> None:
    """The key patient flow on PostgreSQL: consent, delivery, red-flag alert, /stop."""
    env = bot_env_pg
    invite = await env.invite(label="PG patient")
    user = env.patient(5100)
    await env.ask(user, f"/start {invite.code}")
    await consent(env, user)
    assert await env.deliver() >= 1
    before = len(env.sent_to(env.alert_chat_id))
    await env.ask(user, "I have a fever")
    [alert] = await env.wait_sent(env.alert_chat_id, before)
    assert "I have a fever" in alert.visible
    await env.ask(user, "/stop")
    await env.press(user, "Yes")
    # Only the unacknowledged red flag's ladder to staff (re-alert, page) goes out: the
    # patient's follow-up is cancelled by the /stop like all their messages.
    assert await env.deliver(timedelta(days=30)) == 2

