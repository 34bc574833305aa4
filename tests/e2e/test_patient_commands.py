"""Patient commands: /plan, /faq, /language, /timezone, /stop, /forget, /help, blocked bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.harness import BotEnv
from tests.e2e.test_patient_inbox import joined

DEVANAGARI = range(0x0900, 0x0980)


def hindi(text: str) -> bool:
    return any(ord(ch) in DEVANAGARI for ch in text)


async def pending(env: BotEnv, user: Any) -> list[Any]:
    async with env.db() as db:
        messages = await db.messages.list_for_enrollment(user.invite.enrollment_id)
    return [m for m in messages if m.status == "pending"]


async def test_plan_lists_upcoming_in_local_time(bot_env: BotEnv) -> None:
    """/plan shows the upcoming messages with local times and the count already sent."""
    user = await joined(bot_env, 7001)
    [reply] = await bot_env.ask(user, "/plan")
    assert "Asia/Kolkata" in reply.visible
    assert "Already sent: 3" in reply.visible
    # The day-1 sun reminder is due at 09:00 local on 3 March, and says what it is about
    # (issue 11: its topic, not the start of its text).
    assert "Tue 03 Mar, 09:00 — Sun protection today" in reply.visible
    assert "Evening check-in" in reply.visible and "2026" not in reply.visible


async def test_plan_dates_carry_the_year_when_not_this_year(bot_env: BotEnv) -> None:
    """A plan that runs into next year: those dates carry the year, this year's do not."""
    invite = await bot_env.invite(session_start=datetime(2026, 12, 28, 5, 0, tzinfo=UTC))
    user = bot_env.patient(7015)
    await bot_env.activate(invite, user)
    [reply] = await bot_env.ask(user, "/plan")
    assert "Mon 14 Dec, 10:00 — Before your session: medicines" in reply.visible
    # The course's recall (3 weeks after the session, at its time) replaced the content's
    # own "next session" reminder.
    assert "Mon 18 Jan 2027, 10:30 — 📅 It is time for your next session" in reply.visible


async def test_faq_buttons_answer(bot_env: BotEnv) -> None:
    """/faq offers topic groups (issue 10: not one keyboard of 38 buttons); a group shows
    its questions in the same message, with a way back; a question sends its answer."""
    user = await joined(bot_env, 7002)
    [menu] = await bot_env.ask(user, "/faq")
    groups = [b.text for b in menu.buttons]
    assert "After your session" in groups and len(groups) <= 8
    await bot_env.press(user, "After your session", count=0)
    edited = await _edited(bot_env, menu, "When can I wear makeup again?")
    [answer] = await bot_env.press(user, "When can I wear makeup again?", on_message=edited)
    assert answer.visible.startswith("When can I wear makeup again?")
    await bot_env.press(user, "« All topics", on_message=edited, count=0)
    back = await _edited(bot_env, menu, "After your session")
    assert [b.text for b in back.buttons] == groups


async def _edited(env: BotEnv, message: Any, button: str) -> Any:
    """The message once an edit has given it a button labelled `button`."""
    for _ in range(200):
        current = env.api.state.find(message.chat_id, message.message_id)
        if current is not None and any(b.text == button for b in current.buttons):
            return current
        await env.settle(0.02)
    raise AssertionError(f"the message never offered {button!r}")


async def test_faq_lists_only_the_patients_protocol_topics(bot_env: BotEnv) -> None:
    """A face patient's /faq lists no hair topics and no PRP; a hair patient's does list
    hair topics (and no face-only ones)."""

    async def questions(user: Any) -> set[str]:
        found: set[str] = set()
        [menu] = await bot_env.ask(user, "/faq")
        for group in [b.text for b in menu.buttons]:
            await bot_env.press(user, group, on_message=menu, count=0)
            edited = await _edited(bot_env, menu, "« All topics")
            found |= {b.text for b in edited.buttons if not b.text.startswith("«")}
            await bot_env.press(user, "« All topics", on_message=edited, count=0)
            await _edited(bot_env, menu, group)
        return found

    face = await questions(await joined(bot_env, 7013))
    assert "When can I wash my hair or use hair products?" not in face
    assert not any("PRP" in question for question in face)
    assert "How should I wash my face after the treatment?" in face
    invite = await bot_env.invite("micro-mesotherapy-hair")
    hair_user = bot_env.patient(7014)
    await bot_env.activate(invite, hair_user)
    hair = await questions(hair_user)
    assert "When can I wash my hair or use hair products?" in hair
    assert "How should I wash my face after the treatment?" not in hair


async def test_language_switch_replans_in_hindi(bot_env: BotEnv) -> None:
    """/language -> हिन्दी: the reply and every pending message are now in Hindi."""
    user = await joined(bot_env, 7003)
    assert not any(hindi(m.text) for m in await pending(bot_env, user))
    await bot_env.ask(user, "/language")
    [done] = await bot_env.press(user, "हिन्दी")
    assert hindi(done.visible)
    remaining = await pending(bot_env, user)
    assert remaining and all(hindi(m.text) for m in remaining)
    await bot_env.deliver(timedelta(days=1))
    assert hindi(bot_env.sent_to(user.id)[-1].visible)


async def test_timezone_by_iana_name_and_city(bot_env: BotEnv) -> None:
    """/timezone Europe/Berlin and a typed city both switch; future messages move."""
    user = await joined(bot_env, 7004)
    due_before = {(m.step_id, m.occurrence): m.due_at for m in await pending(bot_env, user)}
    [reply] = await bot_env.ask(user, "/timezone Europe/Berlin")
    assert "Europe/Berlin" in reply.visible
    due_after = {(m.step_id, m.occurrence): m.due_at for m in await pending(bot_env, user)}
    # 09:00 in Berlin is 4.5 hours after 09:00 in Kolkata.
    assert due_after[("sun", 0)] - due_before[("sun", 0)] == timedelta(hours=4, minutes=30)
    await bot_env.ask(user, "/timezone")
    [reply] = await bot_env.ask(user, "New York")
    assert "America/New_York" in reply.visible
    async with bot_env.db() as db:
        patient = await db.patients.get(user.invite.patient_id)
        assert patient is not None and patient.timezone == "America/New_York"


async def test_timezone_ambiguous_and_unknown(bot_env: BotEnv) -> None:
    """An ambiguous city offers buttons; an unknown one explains with examples; junk is safe."""
    user = await joined(bot_env, 7005)
    [choose] = await bot_env.ask(user, "/timezone Santa")
    assert len(choose.buttons) >= 2
    [done] = await bot_env.press(user, choose.buttons[0].text)
    assert choose.buttons[0].callback_data.removeprefix("tz:") in done.visible
    for junk in ("Atlantisville", "\x00", "<b>"):
        [reply] = await bot_env.ask(user, f"/timezone {junk}")
        assert "Berlin" in reply.visible and "could not find" in reply.visible


async def test_stop_sends_nothing_more(bot_env: BotEnv) -> None:
    """/stop, confirmed: status stopped, pending cancelled, nothing sent as days pass."""
    user = await joined(bot_env, 7006)
    [confirm] = await bot_env.ask(user, "/stop")
    assert confirm.buttons[0].text.startswith("Yes")
    [done] = await bot_env.press(user, "Yes")
    assert "Nothing more will be sent" in done.visible
    assert await pending(bot_env, user) == []
    assert await bot_env.deliver(timedelta(days=30)) == 0
    async with bot_env.db() as db:
        patient = await db.patients.get(user.invite.patient_id)
        assert patient is not None and patient.status == "stopped"
    [reply] = await bot_env.ask(user, "/start")
    assert "switched off" in reply.visible


async def test_stop_can_be_called_off(bot_env: BotEnv) -> None:
    """/stop then "No": nothing changes."""
    user = await joined(bot_env, 7007)
    count = len(await pending(bot_env, user))
    await bot_env.ask(user, "/stop")
    [reply] = await bot_env.press(user, "No")
    assert "nothing changed" in reply.visible
    assert len(await pending(bot_env, user)) == count


async def test_forget_erases_and_treats_as_stranger(bot_env: BotEnv) -> None:
    """/forget, confirmed: label and chat erased, nothing sent later, then a stranger."""
    user = await joined(bot_env, 7008)
    await bot_env.ask(user, "/forget")
    [done] = await bot_env.press(user, "Yes")
    assert "erased" in done.visible
    async with bot_env.db() as db:
        patient = await db.patients.get(user.invite.patient_id)
        assert patient is not None
        assert patient.status == "forgotten" and patient.label is None and patient.chat_id is None
        # Same erasure as `patient forget`: the patient's Telegram id leaves the audit trail.
        assert await db.audit.list(actor_id=user.id) == ()
    assert await bot_env.deliver(timedelta(days=30)) == 0
    [reply] = await bot_env.ask(user, "/plan")
    assert "invite link" in reply.visible


async def test_blocked_bot_marks_unreachable(bot_env: BotEnv) -> None:
    """Blocking the bot: patient unreachable, pending cancelled, audited, nothing more sent
    to the patient (the staff chat gets the unreachable case, whenever delivery runs)."""
    user = await joined(bot_env, 7009)
    await user.block_bot()
    for _ in range(50):
        async with bot_env.db() as db:
            patient = await db.patients.get(user.invite.patient_id)
        if patient is not None and patient.status == "unreachable":
            break
        await bot_env.settle(0.05)
    assert patient is not None and patient.status == "unreachable"
    assert await pending(bot_env, user) == []
    async with bot_env.db() as db:
        [event] = await db.audit.list(action="patient.blocked")
        assert event.target == f"patient:{user.invite.patient_id}"
    # Not "deliver() sends nothing": the unreachable case's card may still be waiting for
    # its pass (it failed once in CI, when the pass woken by the block had not run yet).
    seen = len(bot_env.sent_to(user.id))
    await bot_env.deliver(timedelta(days=30))
    assert len(bot_env.sent_to(user.id)) == seen


async def test_help_in_hindi(bot_env: BotEnv) -> None:
    """/help answers a Hindi patient in Hindi with every command."""
    user = await joined(bot_env, 7010, language_code="hi")
    [reply] = await bot_env.ask(user, "/help")
    assert hindi(reply.visible)
    for command in ("/plan", "/faq", "/language", "/timezone", "/stop", "/forget"):
        assert command in reply.visible


async def test_unknown_command_gets_help_or_the_invite_hint(bot_env: BotEnv) -> None:
    """An unknown command answers a patient with /help and a stranger with the invite hint."""
    user = await joined(bot_env, 7011)
    [reply] = await bot_env.ask(user, "/frobnicate now please")
    assert "/plan" in reply.visible and "/forget" in reply.visible
    stranger = bot_env.patient(7012)
    [reply] = await bot_env.ask(stranger, "/frobnicate")
    assert "invite link" in reply.visible
