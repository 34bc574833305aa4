"""The staff inbox in a group without topics: the conversation is threaded by reply."""

from __future__ import annotations

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_topics import QUESTION, cases_of, posted, resolve_then_ask_again


async def test_conversation_threaded_by_reply_until_resolved(bot_env: BotEnv) -> None:
    """Question -> card; staff reply -> the patient gets it; the patient's answer (typed
    plainly, or as a Telegram reply) is posted as a reply to the staff message, in the same
    case; a photo joins it too; Resolve closes it; the next question opens a new case."""
    env = bot_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await user.expect("passed your question")
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    assert card.message_thread_id is None and "Reply to this message" in card.visible
    [case] = await cases_of(env, patient_id)
    await env.recorded(card)

    before_patient = len(env.sent_to(user.id))
    staff_reply = await env.staff.reply_to(card, "Yes, bring it in a carrier.")
    [relayed] = await env.wait_sent(user.id, before_patient)
    assert "bring it in a carrier" in relayed.visible
    staff_message_id = staff_reply["message"]["message_id"]

    await env.ask(user, "ok yes please book saturday 11")
    answer = await posted(env, "book saturday 11")
    assert answer.reply_to_message_id == staff_message_id
    await user.reply_to(relayed, "and can my sister come too")
    second = await posted(env, "can my sister come too")
    assert second.reply_to_message_id == staff_message_id
    assert [c.id for c in await cases_of(env, patient_id)] == [case.id]
    async with env.db() as db:
        messages = await db.escalations.messages(case.id)
    assert [m.patient_text for m in messages] == [
        "ok yes please book saturday 11", "and can my sister come too"]

    new_card, new_case = await resolve_then_ask_again(env, card, user, patient_id)
    assert new_case.id != case.id and new_card.reply_to_message_id is None
