"""Key staff flows on PostgreSQL: enroll with link + QR, reschedule, and the relay."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_staff_enroll import assert_invite_reply

pytestmark = pytest.mark.postgres


async def test_enroll_reschedule_and_relay_on_postgres(bot_env_pg: BotEnv) -> None:
    """One-line enroll replies link + QR; a consented plan reschedules; a staff reply relays."""
    env = bot_env_pg
    replies = await env.ask(env.staff, "/enroll micro-mesotherapy-face 2026-03-02 10:00 PG one",
                            count=2)
    await assert_invite_reply(env, replies)
    async with env.db() as db:
        [overview] = await db.patients.list()
    patient_id = overview.patient.id
    invite = await env.invite(label="PG two")
    user = env.patient(5101)
    await env.activate(invite, user)
    assert await env.deliver() >= 1
    [moved] = await env.ask(env.staff, f"/reschedule {invite.patient_id} 2026-03-04 10:00")
    assert "re-planned" in moved.visible
    alert = await env.post_alert(invite.patient_id)
    before = len(env.sent_to(user.id))
    before_staff = len(env.sent_to(ALERT_CHAT_ID))
    await env.staff.reply_to(alert, "See you soon")
    [relayed] = await env.wait_sent(user.id, before)
    assert "See you soon" in relayed.visible
    [confirmation] = await env.wait_sent(ALERT_CHAT_ID, before_staff)
    assert confirmation.visible.startswith("Sent to patient")
    assert patient_id != invite.patient_id


async def test_case_conversation_on_postgres(bot_env_pg: BotEnv) -> None:
    """On PostgreSQL: a question opens a case whose card delivery links to it; the staff
    reply reaches the patient; the patient's answer joins the case under that reply."""
    env = bot_env_pg
    invite = await env.invite(label="PG three")
    user = env.patient(5102)
    await env.activate(invite, user)
    await env.deliver()
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send("Is my parrot allowed in the waiting room & the lift?")
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    await env.recorded(card)
    async with env.db() as db:
        [case] = await db.escalations.list_open()
    assert case.alert_message_id == card.message_id
    before_patient = len(env.sent_to(user.id))
    reply = await env.staff.reply_to(card, "Yes, in a carrier")
    [relayed] = await env.wait_sent(user.id, before_patient)
    assert "in a carrier" in relayed.visible
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send("ok thanks, see you saturday")
    for _ in range(250):
        posts = [m for m in env.sent_to(ALERT_CHAT_ID)[before:] if "saturday" in m.visible]
        if posts:
            break
        await env.settle(0.02)
    [post] = posts
    assert post.reply_to_message_id == reply["message"]["message_id"]
    async with env.db() as db:
        [still] = await db.escalations.list_open()
        [joined] = await db.escalations.messages(case.id)
    assert still.id == case.id and joined.patient_text == "ok thanks, see you saturday"
