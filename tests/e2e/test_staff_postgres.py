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
