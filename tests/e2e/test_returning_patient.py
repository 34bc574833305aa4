"""A returning patient (issue 21): a chat that already belongs to a patient accepting an
invitation made for another record is held and staff are asked ("this chat is patient #1
Priya Kapoor: add the new procedure to #1, or keep them apart?"); both answers work, and
one record is never rewritten into another."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services import onboarding
from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BotEnv

ACCEPT = "Yes"


async def returning(env: BotEnv) -> tuple[Any, Any, Any, Any]:
    """Priya joined for her face; an invitation made for "Kabir Kapoor" (hair) is accepted
    in her chat: (her invite, the second invite, her chat, the staff question)."""
    first = await env.invite(label="Priya Kapoor")
    user = env.patient(5401)
    await env.ask(user, f"/start {first.code}")
    await user.press(ACCEPT)
    await user.expect("/timezone")
    second = await env.invite("micro-mesotherapy-hair", label="Kabir Kapoor")
    await env.ask(user, f"/start {second.code}")
    await user.expect("agree to receive")
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.press(ACCEPT)
    await user.expect("checking this invitation")
    await env.deliver()
    [question] = await env.wait_sent(ALERT_CHAT_ID, before)
    return first, second, user, question


async def records(env: BotEnv, *ids: int) -> list[Any]:
    async with env.db() as db:
        return [await db.patients.get(i) for i in ids]


async def edited(env: BotEnv, message: Any) -> Any:
    for _ in range(250):
        current = env.api.state.find(message.chat_id, message.message_id)
        if current is not None and current.edits:
            return current
        await asyncio.sleep(0.02)
    raise AssertionError("the staff question was not edited")


async def test_staff_are_asked_before_anything_changes(bot_env: BotEnv) -> None:
    """The patient's Yes is held: both records stay as they were, the invitation's
    enrollment waits, and the staff question names both patients with two buttons."""
    env = bot_env
    first, second, _user, question = await returning(env)
    assert "This chat is patient #1 Priya Kapoor: add the new procedure to #1, or keep " \
           "them apart?" in question.visible
    assert "#2 Kabir Kapoor (Micro mesotherapy (hair)" in question.visible
    assert [b.text for b in question.buttons] == ["➕ Add to #1", "↔️ Keep apart"]
    priya, kabir = await records(env, first.patient_id, second.patient_id)
    assert (priya.label, priya.status) == ("Priya Kapoor", "active")
    assert (kabir.label, kabir.status, kabir.chat_id) == ("Kabir Kapoor", "invited", None)
    async with env.db() as db:
        enrollment = await db.enrollments.get(second.enrollment_id)
    assert enrollment is not None and enrollment.status == "invited"
    assert enrollment.patient_id == second.patient_id


async def test_add_to_the_patient_starts_the_new_plan_there(bot_env: BotEnv) -> None:
    """"Add to #1": the hair enrollment is Priya's, active, planned; she is told she is all
    set; #2 keeps its label and is closed as merged; the question names who decided."""
    env = bot_env
    first, second, user, question = await returning(env)
    await env.staff.press("➕ Add to #1", on_message=question)
    decided = await edited(env, question)
    assert "Added to patient #1 by Admin" in decided.visible and decided.buttons == []
    await user.expect("all set")
    priya, kabir = await records(env, first.patient_id, second.patient_id)
    assert priya.status == "active" and priya.label == "Priya Kapoor"
    assert kabir.status == "merged" and kabir.label == "Kabir Kapoor"
    async with env.db() as db:
        enrollments = await db.enrollments.list_for_patient(first.patient_id)
    assert {(e.protocol_id, e.status) for e in enrollments} == {
        ("micro-mesotherapy-face", "active"), ("micro-mesotherapy-hair", "active")}
    [detail] = await env.ask(env.staff, f"/patient {second.patient_id}")
    assert "Status: merged" in detail.visible and "added to patient #1" in detail.visible
    again = await onboarding.decide_join(env.ctx, 1, "apart", staff_id=ADMIN_ID)
    assert again.outcome == "already"  # decided once: a second answer changes nothing
    assert (await records(env, second.patient_id))[0].status == "merged"


async def test_keep_apart_changes_no_record(bot_env: BotEnv) -> None:
    """"Keep apart": Priya's record and Kabir's stay separate; the chat is told nothing
    changed; Kabir still waits and /invite gives him a new link."""
    env = bot_env
    first, second, user, question = await returning(env)
    await env.staff.press("↔️ Keep apart", on_message=question)
    decided = await edited(env, question)
    assert "Kept apart by Admin" in decided.visible and "/invite 2" in decided.visible
    await user.expect("nothing has changed in this chat")
    priya, kabir = await records(env, first.patient_id, second.patient_id)
    assert (priya.status, kabir.status, kabir.label) == ("active", "invited", "Kabir Kapoor")
    async with env.db() as db:
        face = await db.enrollments.list_for_patient(first.patient_id)
    assert [e.protocol_id for e in face] == ["micro-mesotherapy-face"]
    replies = await env.ask(env.staff, f"/invite {second.patient_id}", count=2)
    assert "start=" in replies[0].visible


async def test_only_staff_decide(bot_env: BotEnv) -> None:
    """A press by someone who is not staff changes nothing and is audited."""
    env = bot_env
    _first, second, _user, question = await returning(env)
    await env.user(7777, first_name="Eve").press("➕ Add to #1", on_message=question)
    await env.settle()
    assert (await records(env, second.patient_id))[0].status == "invited"
    async with env.db() as db:
        [refusal] = await db.audit.list(action="invite.merge")
    assert (refusal.actor_id, refusal.outcome) == (7777, "refused")


@pytest.mark.postgres
async def test_returning_patient_on_postgres(bot_env_pg: BotEnv) -> None:
    """On PostgreSQL: held, then added to the chat's patient."""
    env = bot_env_pg
    first, second, user, question = await returning(env)
    await env.staff.press("➕ Add to #1", on_message=question)
    await edited(env, question)
    await user.expect("all set")
    _priya, kabir = await records(env, first.patient_id, second.patient_id)
    assert kabir.status == "merged"
