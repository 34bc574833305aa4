"""A patient is told the team knows only when the alert is stored: if the alert cannot even
be queued (the database refused it), the patient is told to contact the clinic instead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services import inbox
from tests.e2e.harness import BotEnv
from tests.e2e.test_patient_inbox import joined


async def test_an_alert_that_is_not_stored_is_not_claimed(
    bot_env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The red-flag reply (which says the clinic has been told) is replaced by an honest
    one with the clinic's contact and emergency route."""
    user = await joined(bot_env)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database unavailable")

    # The case is stored in the transaction that stores the message: it fails as a whole.
    monkeypatch.setattr(inbox, "raise_alert_in", broken)
    [reply] = await bot_env.ask(user, "I have a high fever and there is pus")
    assert "could not pass your message to the clinic team" in reply.visible
    assert "+91 00000 00000" in reply.visible
    assert "RuntimeError" in bot_env.logs.text()
    assert "high fever" not in bot_env.logs.text()


async def test_a_second_yes_gets_an_answer(bot_env: BotEnv) -> None:
    """If the first confirmation got lost, pressing Yes again is answered, not silent."""
    invite = await bot_env.invite()
    user = bot_env.patient(5020)
    [offer] = await bot_env.ask(user, f"/start {invite.code}")
    await bot_env.press(user, "Yes", on_message=offer)
    before = len(bot_env.sent_to(user.id))
    await bot_env.api.deliver({"callback_query": {  # the same button, pressed again
        "id": "second-yes", "from": user.user, "data": offer.buttons[0].callback_data,
        "chat_instance": "x", "message": offer.payload,
    }})
    # (delivery sends the first care messages meanwhile: wait for this answer by its text)
    answer = await bot_env.api.wait_for(user.id, "already signed up", since=before)
    assert "/plan" in answer.visible


async def test_a_forged_thirty_digit_checkin_id_is_refused_politely(bot_env: BotEnv) -> None:
    """A callback with a 30-digit message id is a stale button, not a database error."""
    user = await joined(bot_env)
    [reply] = await bot_env.ask(user, "/help")
    await bot_env.api.deliver({"callback_query": {
        "id": "forged-30", "from": user.user, "data": "ci:" + "9" * 30 + ":fine",
        "chat_instance": "x", "message": reply.payload,
    }})
    await bot_env.settle()
    assert "RuntimeError" not in bot_env.logs.text()
    assert "error while handling update" not in bot_env.logs.text()


async def test_guessing_codes_is_throttled_and_audited(bot_env: BotEnv) -> None:
    """Five bad codes from one chat in ten minutes: the sixth try is refused without a
    lookup (even a real code), every try is audited; after the window it works again."""
    invite = await bot_env.invite()
    guesser = bot_env.user(4400)
    for number in range(5):
        [reply] = await bot_env.ask(guesser, f"/start BADCODE{number:016d}")
        assert "not valid" in reply.visible
    for _ in range(3):  # refusals do not count as guesses and do not lift the throttle
        [refused] = await bot_env.ask(guesser, f"/start {invite.code}")
        assert "Too many invite links" in refused.visible and not refused.buttons
    async with bot_env.db() as db:
        events = await db.audit.list(actor_id=4400, action="invite.start")
    assert sorted(e.outcome for e in events) == ["invalid"] * 5 + ["refused"] * 3
    bot_env.clock.advance(timedelta(minutes=11))
    [offer] = await bot_env.ask(guesser, f"/start {invite.code}")
    assert offer.buttons and offer.buttons[0].text.startswith("Yes")
