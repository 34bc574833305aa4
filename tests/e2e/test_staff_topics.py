"""The staff inbox in a forum staff chat: one topic per patient holding all their case
traffic; staff answer by writing in it; `!` notes stay; media copied by reference."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import ADMIN_ID, ALERT_CHAT_ID, BotEnv, running_bot
from tests.e2e.test_patient_inbox import LABEL, joined

RED_FLAG = "pus is coming out and i have fever"
QUESTION = "Is my <parrot> allowed in the waiting room & the lift?"


# Words of patients and staff used below: none may reach the log (nor the label, which
# also names the patient's topic).
PRIVATE = (RED_FLAG, QUESTION, LABEL, "book saturday", "she called earlier",
           "she can come along", "Is parking free")


@pytest.fixture
async def forum_env(tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The bot with a forum (topics on) as its staff chat; after each test, the log (INFO
    and up, as in production) holds none of the patients' or staff's words, captions
    included, nor the label the topic is named by."""
    async with running_bot(
        f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}",
        configure_api=lambda api: api.group(ALERT_CHAT_ID, "Clinic staff", forum=True),
    ) as env:
        yield env
        log_text = env.logs.text()
    assert "topics:" in log_text or "bot started" in log_text  # the capture captured
    for private in PRIVATE:
        assert private not in log_text, f"{private!r} leaked into the log"


async def topic_of(env: BotEnv, patient_id: int) -> int:
    """The patient's topic, once delivery recorded it (with the TOPIC_OPEN row's outcome,
    within a flush of the send)."""
    for _ in range(250):
        async with env.db() as db:
            patient = await db.patients.get(patient_id)
        assert patient is not None
        if patient.staff_topic_id:  # None: no topic; 0 (TOPIC_PENDING): being made
            return patient.staff_topic_id
        await env.settle(0.02)
    raise AssertionError("the patient's topic was not recorded")


async def posted(env: BotEnv, words: str) -> Any:
    """The staff-chat post showing the patient's `words`, once delivery sent it."""
    for _ in range(250):
        found = [m for m in env.sent_to(ALERT_CHAT_ID) if words in m.visible]
        if found:
            return found[-1]
        await env.settle(0.02)
    raise AssertionError(f"no staff-chat post with {words!r}")


async def cases_of(env: BotEnv, patient_id: int) -> list[Any]:
    async with env.db() as db:
        return [c for c in await db.escalations.list_open(500) if c.patient_id == patient_id]


async def resolve_then_ask_again(env: BotEnv, card: Any, user: Any, patient_id: int
                                 ) -> tuple[Any, Any]:
    """Staff press Resolve on the card (the case closes), then the patient asks something
    new: (the new card, the new case)."""
    await env.staff.press("✅ Resolve", on_message=card)
    for _ in range(100):
        if not await cases_of(env, patient_id):
            break
        await env.settle(0.02)
    assert not await cases_of(env, patient_id)
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send("Is parking free near the clinic building?")
    await user.expect("passed your question")
    [new_card] = await env.wait_sent(ALERT_CHAT_ID, before)
    [new_case] = await cases_of(env, patient_id)
    return new_card, new_case


async def test_red_flag_opens_a_topic_with_the_card_and_the_ladder_runs(
    forum_env: BotEnv,
) -> None:
    """Red flag: urgent reply; a topic "#id · label · procedure" made on the first case; the
    card with its buttons in it; no acknowledgement: re-alert and on-call page at 10 min,
    the patient told at 15 (clock injected)."""
    env = forum_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    [urgent] = await env.ask(user, RED_FLAG)
    assert "+91 00000 00000" in urgent.visible
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    thread = await topic_of(env, patient_id)
    [topic] = env.api.topics(ALERT_CHAT_ID)
    assert topic.message_thread_id == thread
    assert topic.name.startswith(f"#{patient_id} · {LABEL} · ")
    assert card.message_thread_id == thread and RED_FLAG in card.visible
    assert [b.text for b in card.buttons] == ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
    assert "Write in this topic" in card.visible
    before_page = len(env.sent_to(ADMIN_ID))
    await env.deliver(timedelta(minutes=10, seconds=1))
    realerts = [m for m in env.sent_to(ALERT_CHAT_ID) if "not acknowledged" in m.visible]
    pages = [m for m in env.sent_to(ADMIN_ID)[before_page:] if "On call" in m.visible]
    assert len(realerts) == 1 and len(pages) == 1
    before_patient = len(env.sent_to(user.id))
    await env.deliver(timedelta(minutes=5))
    [follow_up] = env.sent_to(user.id)[before_patient:]
    assert "not picked" in follow_up.visible or "team" in follow_up.visible


async def test_conversation_in_the_topic_until_resolved(forum_env: BotEnv) -> None:
    """Question -> case in the patient's topic -> staff write in the topic -> the patient
    gets it -> the patient's answer lands in the same topic, no new case; `!` notes stay
    internal; Resolve closes it; the next question opens a new case, same topic."""
    env = forum_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await user.expect("passed your question")
    [card] = await env.wait_sent(ALERT_CHAT_ID, before)
    thread = await topic_of(env, patient_id)
    assert card.message_thread_id == thread
    [case] = await cases_of(env, patient_id)

    before_patient = len(env.sent_to(user.id))
    await env.staff.send("! she called earlier, booked for Sat", chat_id=ALERT_CHAT_ID,
                         thread_id=thread)
    await env.staff.send("Yes, she can come along.", chat_id=ALERT_CHAT_ID, thread_id=thread)
    [relayed] = await env.wait_sent(user.id, before_patient)
    assert "Yes, she can come along." in relayed.visible
    assert not any("booked for Sat" in m.visible for m in env.sent_to(user.id))

    await env.ask(user, "ok yes please book saturday 11")
    joined_post = await posted(env, "book saturday 11")
    assert joined_post.message_thread_id == thread
    assert [c.id for c in await cases_of(env, patient_id)] == [case.id]  # no new case
    async with env.db() as db:
        acked = await db.escalations.get(case.id)
    assert acked is not None and acked.status == "acknowledged"

    await env.recorded(card)
    new_card, new_case = await resolve_then_ask_again(env, card, user, patient_id)
    assert new_case.id != case.id and new_card.message_thread_id == thread
    assert len(env.api.topics(ALERT_CHAT_ID)) == 1


async def test_photo_with_red_flag_and_voice_note_are_copied_to_the_topic(
    forum_env: BotEnv,
) -> None:
    """Photo captioned with a red flag: urgent reply, red-flag case, the photo copied (not
    downloaded) into the topic; a voice note joins the case, copied too; "ok", "thanks",
    👍 and a sticker from another patient: a friendly answer and no case."""
    env = forum_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    before_patient = len(env.sent_to(user.id))
    photo = await user.send_photo("pus is coming out and i have fever")
    [urgent, *_] = await env.wait_sent(user.id, before_patient)
    assert "+91 00000 00000" in urgent.visible
    card, copy = await env.wait_sent(ALERT_CHAT_ID, before, count=2)
    thread = await topic_of(env, patient_id)
    assert card.message_thread_id == copy.message_thread_id == thread
    assert copy.method == "copyMessage"
    assert copy.copied_from == (user.id, photo["message"]["message_id"])
    assert copy.payload.get("photo")
    [case] = await cases_of(env, patient_id)
    assert case.kind == "red_flag"

    before = len(env.sent_to(ALERT_CHAT_ID))
    before_patient = len(env.sent_to(user.id))
    await user.send_voice()
    [passed] = await env.wait_sent(user.id, before_patient)
    assert "passed this to the clinic team" in passed.visible
    _post, voice = await env.wait_sent(ALERT_CHAT_ID, before, count=2)
    assert voice.method == "copyMessage" and voice.payload.get("voice")
    assert voice.message_thread_id == thread
    assert [c.id for c in await cases_of(env, patient_id)] == [case.id]

    other = await joined(env, 6010)
    before = len(env.sent_to(ALERT_CHAT_ID))
    for text in ("ok", "thanks", "👍"):
        [reply] = await env.ask(other, text)
        assert "I'm here whenever you need me" in reply.visible
    before_patient = len(env.sent_to(other.id))
    await other.send_sticker("🙏")
    [reply] = await env.wait_sent(other.id, before_patient)
    assert "I'm here whenever you need me" in reply.visible
    await env.settle(0.3)
    assert not await cases_of(env, other.invite.patient_id)
    assert len(env.sent_to(ALERT_CHAT_ID)) == before


async def test_non_staff_in_the_topic_is_refused_and_forget_closes_the_topic(
    forum_env: BotEnv,
) -> None:
    """A group member who is not staff writes in the topic: refused, audited, nothing
    reaches the patient. After /forget the topic is renamed to the bare id and closed."""
    env = forum_env
    user = await joined(env)
    patient_id = user.invite.patient_id
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await env.wait_sent(ALERT_CHAT_ID, before)
    thread = await topic_of(env, patient_id)
    intruder = env.user(7777, first_name="Visitor")
    before_patient = len(env.sent_to(user.id))
    before = len(env.sent_to(ALERT_CHAT_ID))
    await intruder.send("hello from outside", chat_id=ALERT_CHAT_ID, thread_id=thread)
    [refusal] = await env.wait_sent(ALERT_CHAT_ID, before)
    assert "Only clinic staff" in refusal.visible and refusal.message_thread_id == thread
    await env.settle(0.2)
    assert len(env.sent_to(user.id)) == before_patient
    async with env.db() as db:
        events = await db.audit.list(action="relay")
    assert any(e.actor_id == 7777 and e.outcome == "refused" for e in events)

    await env.ask(user, "/forget")
    await env.press(user, "Yes, erase my data")
    for _ in range(100):
        topic = env.api.topic(ALERT_CHAT_ID, thread)
        if topic is not None and topic.closed:
            break
        await env.settle(0.02)
    assert topic is not None and topic.closed and topic.name == f"#{patient_id}"
    log = env.logs.text()
    assert "Asha" not in log and "parrot" not in log and "pus" not in log


async def test_checkin_answer_of_a_patient_with_a_case_lands_in_their_topic(
    forum_env: BotEnv,
) -> None:
    """A patient with an unresolved case answers a check-in ("Feels fine", which alerts
    nobody by itself): thanked as usual, and the answer joins their case in the topic."""
    env = forum_env
    user = await joined(env)
    before = len(env.sent_to(ALERT_CHAT_ID))
    await user.send(QUESTION)
    await env.wait_sent(ALERT_CHAT_ID, before)
    thread = await topic_of(env, user.invite.patient_id)
    await env.deliver(timedelta(hours=32))
    checkin = next(m for m in reversed(env.sent_to(user.id)) if m.buttons)
    await user.press("Feels fine", on_message=checkin)
    await user.expect("recorded")
    post = await posted(env, "Check-in answer: Feels fine")
    assert post.message_thread_id == thread
    assert len(await cases_of(env, user.invite.patient_id)) == 1


async def test_a_topic_that_cannot_be_made_leaves_the_posts_in_the_chat(
    forum_env: BotEnv,
) -> None:
    """Topics turned off after the bot started: making the patient's topic fails (400), and
    the card still reaches the staff chat, outside any topic; nothing waits for ever."""
    env = forum_env
    user = await joined(env)
    env.api.group(ALERT_CHAT_ID, "Clinic staff", forum=False)  # an admin turned topics off
    [urgent] = await env.ask(user, RED_FLAG)
    assert "+91 00000 00000" in urgent.visible
    await env.deliver()
    await env.deliver(timedelta(seconds=4))  # the card looks again once the topic failed
    card = await posted(env, RED_FLAG)
    assert card.message_thread_id is None
    assert [b.text for b in card.buttons] == ["👀 Acknowledge", "✅ Resolve", "🙋 Assign to me"]
    assert env.api.topics(ALERT_CHAT_ID) == []
    async with env.db() as db:
        patient = await db.patients.get(user.invite.patient_id)
    assert patient is not None and patient.staff_topic_id is None  # the next case tries again
