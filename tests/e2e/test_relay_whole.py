"""Staff answers arrive whole: measured as the patient reads them, a long one split into
several messages at paragraph or sentence boundaries, in order, and "Sent" only for all of
it; staff photos, documents and voice notes reach the patient too, a `!` caption stays.
Through the running bot, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_staff_topics import posted, topic_of

QUESTION = "Is my parrot allowed in the waiting room?"
PREFIX = "Reply from Sunrise Clinic:"
# Apostrophes (escaped as &#x27;, six characters each in HTML) and < and & everywhere.
SENTENCE = "Don't touch it; it's <normal> & you'll heal, it won't scar. "


def _answer(length: int) -> str:
    """A staff answer of `length` characters in paragraphs of whole sentences."""
    paragraphs, text = [], ""
    while len(text) < length:
        paragraph = SENTENCE * 7
        paragraphs.append(paragraph.strip())
        text = "\n\n".join(paragraphs)
    return text[:length].rstrip()


async def _case_in_topic(env: BotEnv) -> tuple[Any, int]:
    user = await joined(env, 6201)
    await user.send(QUESTION)
    await user.expect("passed your question")
    await posted(env, "parrot")
    return user, await topic_of(env, user.invite.patient_id)


def _words(text: str) -> list[str]:
    return text.split()


async def test_a_long_answer_full_of_apostrophes_arrives_whole_in_order(
    forum_bot: BotEnv,
) -> None:
    """A 4,000-character answer full of apostrophes and `<` reaches the patient in one
    message, whole (it used to be cut at about 3,000 with "…" and staff told "Sent"); a
    9,000-character one arrives in three messages, in order, cut between sentences, with
    nothing lost, and staff are told it went whole in three."""
    env = forum_bot
    user, thread = await _case_in_topic(env)
    answer = _answer(4000)
    assert len(answer) >= 3990 and answer.count("'") > 250 and answer.count("<") > 60
    before = len(env.sent_to(user.id))
    await env.staff.send(answer, chat_id=ALERT_CHAT_ID, thread_id=thread)
    [whole] = await env.wait_sent(user.id, before)
    assert whole.visible == f"{PREFIX}\n{answer}"
    await posted(env, f"Sent to patient #{user.invite.patient_id}.")

    longer = _answer(9000)
    before = len(env.sent_to(user.id))
    await env.staff.send(longer, chat_id=ALERT_CHAT_ID, thread_id=thread)
    parts = await env.wait_sent(user.id, before, count=3)
    assert parts[0].visible.startswith(PREFIX)
    received = " ".join(p.visible for p in parts).removeprefix(PREFIX)
    assert _words(received) == _words(longer)  # every word, in order
    assert all(len(part.visible) <= 4096 for part in parts)
    assert all(part.visible.endswith("scar.") for part in parts[:-1])  # between sentences
    notice = await posted(env, "in 3 messages")
    assert "whole" in notice.visible and notice.message_thread_id == thread
    await env.settle(0.2)
    assert len(env.sent_to(user.id)) == before + 3


async def test_staff_photos_documents_and_voice_notes_reach_the_patient(
    forum_bot: BotEnv,
) -> None:
    """A photo written in the topic, a document and a voice note are copied to the patient
    (by reference) under the clinic's name, the caption with them; a photo captioned with
    `!` stays in the staff chat."""
    env = forum_bot
    user, thread = await _case_in_topic(env)
    staff = env.staff
    before = len(env.sent_to(user.id))
    photo = await staff.send_photo("This is how it should look on day 3.",
                                   chat_id=ALERT_CHAT_ID, thread_id=thread)
    [copy] = await env.wait_sent(user.id, before)
    assert copy.method == "copyMessage"
    assert copy.copied_from == (ALERT_CHAT_ID, photo["message"]["message_id"])
    assert copy.visible == f"{PREFIX}\nThis is how it should look on day 3."
    assert copy.payload.get("photo")
    document = await staff.send_document("aftercare.pdf", caption="Your aftercare sheet.",
                                         chat_id=ALERT_CHAT_ID, thread_id=thread)
    voice = await staff.send_voice(chat_id=ALERT_CHAT_ID, thread_id=thread)
    copies = await env.wait_sent(user.id, before + 1, count=2)
    assert [c.copied_from[1] for c in copies if c.copied_from] == [
        document["message"]["message_id"], voice["message"]["message_id"]]
    assert copies[0].payload.get("document") and copies[1].payload.get("voice")
    assert copies[1].visible == PREFIX  # a voice note without words: the clinic's name
    await staff.send_photo("! her mother sent this one, do not forward",
                           chat_id=ALERT_CHAT_ID, thread_id=thread)
    await env.settle(0.3)
    assert len(env.sent_to(user.id)) == before + 3
    events: tuple[Any, ...] = ()
    for _ in range(100):  # each relay's audit row is written once its copy is answered
        async with env.db() as db:
            events = await db.audit.list(action="relay")
        if len(events) >= 3:
            break
        await env.settle(0.05)
    assert [e.outcome for e in events] == ["ok", "ok", "ok"]
