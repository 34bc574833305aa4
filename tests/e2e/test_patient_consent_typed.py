"""Consent by typing (issue 21): after the consent question, yes/no words in the patient's
languages act as the buttons; "I pressed no by mistake" shows the question again; someone
who has an invite is never told to ask the clinic for one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import BotEnv, running_bot

INVITE_HINT = "ask your clinic for an invite link"


async def offered(env: BotEnv, user_id: int = 5501, *, language_code: str = "en"
                  ) -> tuple[Any, Any]:
    """A patient who opened their invite and got the consent question."""
    invite = await env.invite(label="Sunita Devi")
    user = env.patient(user_id, language_code=language_code)
    [question] = await env.ask(user, f"/start {invite.code}")
    assert question.buttons[0].text.startswith("Yes")
    user.invite = invite
    return user, question


async def bound(env: BotEnv, user: Any) -> bool:
    async with env.db() as db:
        patient = await db.patients.by_chat_id(user.id)
    return patient is not None and patient.id == user.invite.patient_id


@pytest.mark.parametrize("typed", ["yes", "haan ji theek hai", "हाँ", "ok i agree"])
async def test_a_typed_yes_is_consent(bot_env: BotEnv, typed: str) -> None:
    """"yes" (English, Hinglish, Hindi) after the question: joined, as by the button."""
    user, _question = await offered(bot_env)
    await user.send(typed)
    done = await user.expect("/timezone")
    assert "all set" in done.visible or "सब तैयार" in done.visible
    assert await bound(bot_env, user)
    assert await bot_env.deliver() >= 1


async def test_a_typed_no_declines_and_keeps_the_link(bot_env: BotEnv) -> None:
    """"no": declined as by the button, nothing stored, and a later "yes" still joins."""
    user, _question = await offered(bot_env)
    await user.send("no")
    await user.expect("nothing has been saved")
    assert not await bound(bot_env, user)
    await user.send("yes")
    await user.expect("/timezone")
    assert await bound(bot_env, user)


async def test_pressed_no_by_mistake_shows_the_question_again(bot_env: BotEnv) -> None:
    """No pressed, then "sorry I pressed no by mistake": the question comes back with its
    buttons (never "ask the clinic for an invite link"), and Yes on it joins."""
    user, question = await offered(bot_env)
    await user.press("No", on_message=question)
    await user.expect("nothing has been saved")
    await user.send("sorry I pressed no by mistake")
    await user.expect("here is the question again")
    again = await user.expect("agree to receive")
    assert [b.text for b in again.buttons][:2] == ["Yes, I agree", "No, thanks"]
    await user.press("Yes", on_message=again)
    await user.expect("/timezone")
    assert await bound(bot_env, user)
    assert all(INVITE_HINT not in m.visible for m in bot_env.sent_to(user.id))


async def test_other_words_get_the_question_not_the_invite_hint(bot_env: BotEnv) -> None:
    """Words that answer nothing, and /start alone, from someone with an open invitation:
    the question again, with its buttons, not the stranger's hint."""
    user, _question = await offered(bot_env)
    await user.send("what is this about?")
    await user.expect("waiting for your answer")
    question = await user.expect("agree to receive")
    assert question.buttons
    await user.send("/start")
    await user.expect("waiting for your answer")
    assert all(INVITE_HINT not in m.visible for m in bot_env.sent_to(user.id))
    assert not await bound(bot_env, user)


async def test_a_red_flag_is_still_urgent_and_never_consent(bot_env: BotEnv) -> None:
    """"yes I have a high fever" is a red flag first: the urgent reply, no consent taken."""
    user, _question = await offered(bot_env)
    await user.send("yes I have a high fever and pus")
    await user.expect("clinic")
    await bot_env.settle()
    assert not await bound(bot_env, user)
    assert all(INVITE_HINT not in m.visible for m in bot_env.sent_to(user.id))


async def test_hindi_question_and_answer(bot_env: BotEnv) -> None:
    """A Hindi patient types "जी हाँ, ठीक है": joined, answered in Hindi."""
    user, _question = await offered(bot_env, 5502, language_code="hi")
    await user.send("जी हाँ, ठीक है")
    await user.expect("/timezone")
    assert await bound(bot_env, user)


async def test_the_open_question_survives_a_restart(tmp_path: Path) -> None:
    """The question a chat was shown is stored: after a restart a typed "yes" still joins."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    async with running_bot(url) as env:
        user, _question = await offered(env)
        invite = user.invite
    async with running_bot(url) as env:
        again = env.patient(5501)
        await again.send("yes")
        await again.expect("/timezone")
        async with env.db() as db:
            patient = await db.patients.by_chat_id(again.id)
        assert patient is not None and patient.id == invite.patient_id


@pytest.mark.postgres
async def test_typed_consent_on_postgres(bot_env_pg: BotEnv) -> None:
    """On PostgreSQL: "haan ji theek hai" joins."""
    user, _question = await offered(bot_env_pg)
    await user.send("haan ji theek hai")
    await user.expect("/timezone")
    assert await bound(bot_env_pg, user)


async def test_a_known_patients_ok_hours_later_is_not_consent(bot_env: BotEnv) -> None:
    """A patient who opened a second invitation and left it: "ok" two hours later is small
    talk, not consent (a typed answer counts for a known chat within the hour)."""
    from datetime import timedelta

    env = bot_env
    user, _question = await offered(env)
    await user.send("yes")
    await user.expect("/timezone")
    second = await env.invite("micro-mesotherapy-hair", label="Kabir")
    await env.ask(user, f"/start {second.code}")
    env.clock.advance(timedelta(hours=2))
    await user.send("ok")
    await env.settle()
    async with env.db() as db:
        held = await db.join_requests.pending_for_enrollment(second.enrollment_id)
    assert held is None
