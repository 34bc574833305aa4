"""Staff actions at the edges: edits never re-run, staff removed mid-way cannot finish a
guided /enroll, staff commands stay out of other groups."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_staff_enroll import assert_invite_reply, patient_count

OTHER_GROUP = -100777


async def test_an_edited_enroll_does_not_create_a_second_patient(bot_env: BotEnv) -> None:
    """Editing the /enroll message is answered, never run again."""
    staff = bot_env.staff
    before = len(bot_env.sent_to(staff.id))
    sent = await staff.send("/enroll micro-mesotherapy-face Asha")
    await bot_env.wait_sent(staff.id, before, count=2)
    await staff.edit(sent, "/enroll micro-mesotherapy-face Asha B")
    [answer] = await bot_env.wait_sent(staff.id, before + 2)
    assert "Edits are not applied" in answer.visible
    assert await patient_count(bot_env) == 1


async def test_staff_removed_mid_enrollment_cannot_finish_it(bot_env: BotEnv) -> None:
    """A staff member removed while a guided /enroll waits for the label is refused at
    the next step and nothing is created."""
    colleague = bot_env.user(3000)
    await bot_env.ask(bot_env.staff, "/staff add 3000")
    await bot_env.ask(colleague, "/enroll")
    await bot_env.press(colleague, "Micro mesotherapy (face)")
    await bot_env.press(colleague, "Now")
    await bot_env.ask(bot_env.staff, "/staff remove 3000")
    [refused] = await bot_env.ask(colleague, "Asha")
    assert "for clinic staff only" in refused.visible
    assert await patient_count(bot_env) == 0
    async with bot_env.db() as db:
        events = await db.audit.list(actor_id=3000)
    assert any(e.detail == "not staff any more" for e in events)


async def test_staff_commands_in_another_group_are_refused(bot_env: BotEnv) -> None:
    """/patients or /enroll typed in a group that is not the staff chat posts no labels or
    links there."""
    bot_env.api.group(OTHER_GROUP, "Family chat")
    staff = bot_env.staff
    for command in ("/patients", "/enroll micro-mesotherapy-face Asha"):
        before = len(bot_env.sent_to(OTHER_GROUP))
        await staff.send(command, chat_id=OTHER_GROUP)
        [reply] = await bot_env.wait_sent(OTHER_GROUP, before)
        assert "private chat with me or in the staff group" in reply.visible
        bot_env.clock.advance(timedelta(minutes=1))  # a refusal in a group: once a minute
    assert await patient_count(bot_env) == 0
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await staff.send("/patients", chat_id=ALERT_CHAT_ID)
    [listing] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "No patients yet" in listing.visible


async def test_invite_reissues_a_link_that_never_arrived(bot_env: BotEnv) -> None:
    """/invite <id> gives a new link for an invited patient; the old one stops working."""
    first = await bot_env.invite(label="Asha")
    replies = await bot_env.ask(bot_env.staff, f"/invite {first.patient_id}", count=2)
    code = await assert_invite_reply(bot_env, replies)
    assert code != first.code
    patient = bot_env.patient(5001)
    [old] = await bot_env.ask(patient, f"/start {first.code}")
    assert "expired" in old.visible
    [offer] = await bot_env.ask(patient, f"/start {code}")
    assert offer.buttons and offer.buttons[0].text.startswith("Yes")
    [refused] = await bot_env.ask(bot_env.staff, "/invite 999")
    assert "not waiting to join" in refused.visible
