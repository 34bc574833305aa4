"""Understanding what patients write, through the running bot (issue 10): the day decides
"still swollen", doubtful flags reach a person calmly, negations and other people raise no
alarm, Devanagari gets Hindi, small talk and close FAQ calls open no case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined

URGENT = "needs the clinic's attention now"
NORMAL = "Some swelling, bruising, redness or soreness in the first days after a session is normal"
CALM = "I've asked the clinic team to look at this"
WARNING_SIGNS = "What is normal, and when should I contact the clinic?"


async def escalations(env: BotEnv) -> list[Any]:
    async with env.db() as db:
        return list(await db.escalations.list_open())


async def no_alert(env: BotEnv, before: int) -> None:
    await env.settle(0.3)
    assert len(env.sent_to(ALERT_CHAT_ID)) == before
    assert await escalations(env) == []


async def test_still_swollen_is_normal_on_day_1_and_a_red_flag_on_day_4(bot_env: BotEnv) -> None:
    """Acceptance 3: "still swollen" on day 1 gets the "normal" answer and no alert; the
    same words on day 4 (patient-local days since the session) get the urgent reply and a
    red-flag alert naming the lasting rule."""
    user = await joined(bot_env, 8001)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    bot_env.clock.advance(timedelta(days=1))
    [reply] = await bot_env.ask(user, "still swollen")
    assert NORMAL in reply.visible and "+91 00000 00000" in reply.visible
    await no_alert(bot_env, before)
    bot_env.clock.advance(timedelta(days=3))
    [reply] = await bot_env.ask(user, "still swollen")
    assert URGENT in reply.visible
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Red flag" in alert.visible and "swelling-bruising-lasting" in alert.visible
    [escalation] = await escalations(bot_env)
    assert escalation.kind == "red_flag"
    assert escalation.rule_id == "swelling-bruising-lasting (swollen)"  # what it matched


async def test_a_doubtful_flag_gets_a_calm_reply_and_a_normal_case(bot_env: BotEnv) -> None:
    """ "is fever normal after this?": never silence, never the alarm: a calm reply, and
    the team gets a normal (hand-off) case naming the doubtful rule."""
    user = await joined(bot_env, 8002)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    [reply] = await bot_env.ask(user, "is fever normal after this?")
    assert CALM in reply.visible and URGENT not in reply.visible
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Question for the team" in alert.visible and "doubtful:infection" in alert.visible
    [escalation] = await escalations(bot_env)
    assert escalation.kind == "handoff"


async def test_negations_questions_and_other_people_raise_no_alarm(bot_env: BotEnv) -> None:
    """The issue's false alarms: each gets an answer (the warning-signs entry when nothing
    else fits), no urgent reply and no alert."""
    user = await joined(bot_env, 8003)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    for text in (
        "my friend had fever after her treatment",
        "what are the signs of an infection?",
        "i can breathe fine, its just slight tingling",
        "bukhar nahi hai, bas thodi lali hai",
    ):
        [reply] = await bot_env.ask(user, text)
        assert URGENT not in reply.visible, text
    [reply] = await bot_env.ask(user, "what are the signs of an infection?")
    assert reply.visible.startswith(WARNING_SIGNS)
    replies = await bot_env.ask(user, "no pus or anything, just asking when i can wash my face",
                                count=2)
    assert replies[0].visible.startswith("How should I wash my face after the treatment?")
    assert any(b.text == WARNING_SIGNS for b in replies[1].buttons)
    await no_alert(bot_env, before)


async def test_devanagari_from_an_english_patient_is_answered_in_hindi(bot_env: BotEnv) -> None:
    """Hindi in Devanagari from a patient whose language is English: the answer in Hindi
    and an offer to switch; pressing it makes Hindi the patient's language."""
    user = await joined(bot_env, 8004)
    answer, offer = await bot_env.ask(user, "क्या मैं शराब पी सकता हूँ", count=2)
    assert "क्या शराब पी सकते हैं?" in answer.visible
    assert "हिन्दी में उत्तर दिया" in offer.visible
    [done] = await bot_env.press(user, "हाँ, हिन्दी में")
    assert "हिन्दी" in done.visible
    async with bot_env.db() as db:
        patient = await db.patients.get(user.invite.patient_id)
    assert patient is not None and patient.language == "hi"
    [again] = await bot_env.ask(user, "क्या मैं धूप में जा सकती हूँ")  # no second offer
    assert "धूप" in again.visible


async def test_small_talk_and_close_faq_calls_open_no_case(bot_env: BotEnv) -> None:
    """ "thank you doctor 🙏" and "shukran" get a short answer; "makeup and gym?" asks
    "did you mean" with both (a close call the FAQ reader does not settle); "how soon can
    i hit the gym" gets the exercise entry; none opens a case."""
    user = await joined(bot_env, 8005)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    [reply] = await bot_env.ask(user, "thank you doctor 🙏")
    assert "I'm here" in reply.visible
    [ask] = await bot_env.ask(user, "makeup and gym after treatment?")
    assert ask.visible.startswith("Did you mean one of these?")
    labels = {b.text for b in ask.buttons}
    assert {"When can I wear makeup again?", "When can I exercise, swim or use a sauna again?"
            } <= labels
    # The learned readers: small talk and a question in words the rules do not know.
    [reply] = await bot_env.ask(user, "shukran")  # ("cheers doc": the rules know it now)
    assert "I'm here" in reply.visible
    [reply] = await bot_env.ask(user, "how soon can i hit the gym")
    assert reply.visible.startswith("When can I exercise, swim or use a sauna again?")
    await no_alert(bot_env, before)


async def test_a_symptom_report_hijacked_by_a_faq_word_reaches_a_person(
    bot_env: BotEnv,
) -> None:
    """Issue 18, never silent on a symptom: "white heads ... tender" is a report of the
    patient's own symptom, not a question about whitening. The patient gets no whitening
    entry, the team a case; asked as a question, the same words get the FAQ and no case. A
    burning that "badh rahi" (grows) reaches a person too."""
    other = await joined(bot_env, 8011)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    [reply] = await bot_env.ask(other, "it's a bit sore today, when can I use a whitening cream?")
    assert CALM not in reply.visible
    await no_alert(bot_env, before)
    user = await joined(bot_env, 8010)
    [reply] = await bot_env.ask(user, "the little dots have white heads now and they are tender")
    # The rules make it a case (the calm reply); the learned reader, which has seen
    # pustules reported as infection, makes it urgent.
    assert URGENT in reply.visible
    assert "whiten" not in reply.visible  # the FAQ entry a word of it pulled is beside the point
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "tender" in alert.visible and "model " in alert.visible
    [escalation] = await escalations(bot_env)
    assert escalation.kind == "red_flag"
    # Burning that grows: the rules give the calm reply and a case; the learned reader,
    # which has seen worsening pain reported so, makes it urgent.
    [reply] = await bot_env.ask(user, "jalan 2 din se ho rahi hai aur badh rahi hai")
    assert URGENT in reply.visible
    await bot_env.wait_sent(ALERT_CHAT_ID, before + 1)


async def test_the_learned_reader_brings_what_the_rules_miss_to_a_person(
        bot_env: BotEnv) -> None:
    """Issue 18: words no rule lists. Crust on "puffy" dots on day 2 (the rules: expected,
    the reassuring reply) reaches a person calmly; "raised and weeping" spots (the rules: a
    "did you mean" and a case) get the urgent reply and a red-flag card. Each card says
    what the model read, in words it learned."""
    calm, urgent = await joined(bot_env, 8010), await joined(bot_env, 8011)
    bot_env.clock.advance(timedelta(days=2))
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    replies = await bot_env.ask(
        calm, "the dots on my cheek look angry and puffy and theres crust on them")
    assert CALM in replies[0].visible and URGENT not in replies[0].visible
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "doubtful:learned (puffy + model " in alert.visible

    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    [reply] = await bot_env.ask(urgent, "the injection spots are raised and weeping")
    assert URGENT in reply.visible
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Red flag" in alert.visible and "learned (model " in alert.visible
    kinds = {case.kind: case.rule_id for case in await escalations(bot_env)}
    assert kinds["red_flag"].startswith("learned (model ")
    assert kinds["handoff"].startswith("doubtful:learned (")


async def test_a_concern_the_rules_answer_gets_the_answer_and_a_person(
        bot_env: BotEnv) -> None:
    """Issue 18: "it didn't work" is no question about when results show. The patient still
    gets that answer, with the calm note that the team will look, and staff get a case that
    says why ("doubtful:request-or-concern (model ...: the words it learned)")."""
    patient = await joined(bot_env, 8012)
    bot_env.clock.advance(timedelta(days=3))
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    replies = await bot_env.ask(
        patient, "honestly i dont see any change, feels like it didnt work", count=2)
    assert CALM in replies[0].visible and URGENT not in replies[0].visible
    assert "the ingredients need time to work" in replies[1].visible  # the results entry
    [alert] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "doubtful:request-or-concern (model " in alert.visible
    [case] = await escalations(bot_env)
    assert case.kind == "handoff" and case.rule_id.startswith("doubtful:request-or-concern (")
