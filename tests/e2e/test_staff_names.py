"""Staff by name (issue 21): the bot notes staff's Telegram names as they write or press
a button; cards, /cases and /staff list show them; `/staff add @username` finds someone
the bot has seen, and says so when it has not. Patients' Telegram names are never noted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_cases import card_now, red_flag_card

ANITA = 1002


async def anita(env: BotEnv) -> Any:
    """Anita, added as staff by id before the bot ever saw her."""
    user = env.user(ANITA, first_name="Anita", last_name="Kumar", username="anita_k")
    [added] = await env.ask(env.staff, f"/staff add {ANITA}")
    assert "User 1002 is now staff" in added.visible  # not seen yet: no name to show
    return user


async def names_seen(env: BotEnv, *others: int) -> dict[int, str]:
    async with env.db() as db:
        found = await db.telegram_users.many([ANITA, 1000, 1003, *others])
    return {user_id: seen.name for user_id, seen in found.items()}


async def test_cards_cases_and_staff_list_name_who_acted(bot_env: BotEnv) -> None:
    """Anita presses Acknowledge and takes the case: the card, /cases and /staff list say
    "Anita Kumar (@anita_k)", never a bare id; the patient's name is never stored."""
    env = bot_env
    staff = await anita(env)
    patient = await joined(env)
    card, _case = await red_flag_card(env, patient)
    await staff.press("👀 Acknowledge", on_message=card)
    edited = await card_now(env, card)
    assert "👀 Acknowledged by Anita Kumar (@anita_k) at" in edited.visible
    assert "staff 1002" not in edited.visible
    await staff.press("🙋 Assign to me", on_message=edited)
    assigned = await card_now(env, card, edits=2)
    assert "🙋 Assigned to Anita Kumar (@anita_k)" in assigned.visible
    [listing] = await env.ask(env.staff, "/cases")
    assert "held by Anita Kumar (@anita_k)" in listing.visible
    [roster] = await env.ask(env.staff, "/staff list")
    assert "Anita Kumar (@anita_k) · 1002" in roster.visible
    assert "Admin · 1000" in roster.visible
    seen = await names_seen(env, patient.id)
    assert seen[ANITA] == "Anita Kumar" and patient.id not in seen


async def test_staff_add_by_username_of_someone_seen(bot_env: BotEnv) -> None:
    """Ravi sends /myid (or writes in the staff group): `/staff add @Ravi_Desk` finds him,
    in any case; an @username never seen is refused with what to do, and nothing changes."""
    env = bot_env
    ravi = env.user(1003, first_name="Ravi", username="ravi_desk")
    await env.ask(ravi, "/myid")
    [added] = await env.ask(env.staff, "/staff add @Ravi_Desk")
    assert "Ravi (@ravi_desk), user 1003 is now staff." in added.visible
    [unseen] = await env.ask(env.staff, "/staff add @nobody_here")
    assert "I have not seen @nobody_here yet" in unseen.visible and "/myid" in unseen.visible
    async with env.db() as db:
        staff = [s.user_id for s in await db.staff.list()]
    assert staff == [1003]
    [removed] = await env.ask(env.staff, "/staff remove @ravi_desk")
    assert "Ravi (@ravi_desk), user 1003 is no longer staff." in removed.visible


async def test_someone_writing_in_the_staff_group_can_be_added(bot_env: BotEnv) -> None:
    """A colleague who only ever wrote in the staff group is found by @username."""
    env = bot_env
    meera = env.user(1004, first_name="Meera", username="meera_r")
    await meera.send("hello team", chat_id=ALERT_CHAT_ID)
    await env.settle()
    [added] = await env.ask(env.staff, "/staff add @meera_r")
    assert "Meera (@meera_r), user 1004 is now staff." in added.visible


async def test_a_patient_asking_myid_is_not_noted(bot_env: BotEnv) -> None:
    """/myid from a patient's chat answers the id but stores no name."""
    env = bot_env
    patient = await joined(env)
    [answer] = await env.ask(patient, "/myid")
    assert str(patient.id) in answer.visible
    assert patient.id not in await names_seen(env, patient.id)


@pytest.mark.postgres
async def test_names_on_cards_on_postgres(bot_env_pg: BotEnv) -> None:
    """On PostgreSQL too: the card names who acknowledged, /staff add @username works."""
    env = bot_env_pg
    staff = await anita(env)
    patient = await joined(env)
    card, _case = await red_flag_card(env, patient)
    await staff.press("👀 Acknowledge", on_message=card)
    edited = await card_now(env, card)
    assert "Acknowledged by Anita Kumar (@anita_k)" in edited.visible
    ravi = env.user(1003, first_name="Ravi", username="ravi_desk")
    await env.ask(ravi, "/myid")
    [added] = await env.ask(env.staff, "/staff add @ravi_desk")
    assert "Ravi (@ravi_desk), user 1003 is now staff." in added.visible
