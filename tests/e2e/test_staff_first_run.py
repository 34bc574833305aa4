"""First set-up and staff in their own chat: /myid for anyone, staff help instead of the
patient greeting."""

from __future__ import annotations

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv


async def test_myid_answers_anyone_with_their_id(bot_env: BotEnv) -> None:
    """A stranger (no staff exist yet) learns their user id, and nothing is refused."""
    stranger = bot_env.user(4242)
    [reply] = await bot_env.ask(stranger, "/myid")
    assert "Your Telegram user id: 4242" in reply.visible
    assert "chat's id" not in reply.visible


async def test_myid_in_a_group_also_gives_the_chat_id(bot_env: BotEnv) -> None:
    """In the staff group /myid gives the group's id, the value for staff.alert_chat_id."""
    staff = bot_env.staff
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await staff.send("/myid", chat_id=ALERT_CHAT_ID)
    [reply] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert f"This chat's id: {ALERT_CHAT_ID}" in reply.visible
    assert "Your Telegram user id: 1000" in reply.visible


async def test_staff_get_staff_help_not_the_patient_greeting(bot_env: BotEnv) -> None:
    """/start, an unknown command and plain text from staff who are not patients: staff help."""
    for text in ("/start", "/whatever", "hello there"):
        [reply] = await bot_env.ask(bot_env.staff, text)
        assert "Staff commands" in reply.visible, text
        assert "/enroll" in reply.visible
    [stranger_reply] = await bot_env.ask(bot_env.user(4242), "/start")
    assert "Staff commands" not in stranger_reply.visible
