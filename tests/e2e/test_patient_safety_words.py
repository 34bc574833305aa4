"""Every red flag reaches a person in the patient's own words, through the running bot
(issue 18): symptoms said in other words, numbers, carers, the rule's own urgent reply,
"the team has been alerted" only once stored; own symptoms and requests reach a person;
calm news, resolved symptoms and figures of speech do not."""

from __future__ import annotations

from tests.e2e.harness import ALERT_CHAT_ID, BotEnv
from tests.e2e.test_patient_inbox import joined
from tests.e2e.test_patient_understanding import escalations, no_alert

ALERTED = "The clinic team has been alerted"
ALERTED_HI = "क्लिनिक टीम को सूचित कर दिया गया है"
EMERGENCY = "+91 00000 00000"  # the harness's clinic.emergency and contact


async def test_symptoms_in_other_words_and_numbers_get_the_urgent_reply(bot_env: BotEnv) -> None:
    """Said without a listed phrase (seeping, creeping, a temperature, a pain score,
    chills, blisters, vomiting, skin turning grey): each gets the urgent reply with the
    alerted line, and one urgent case collects them, its card saying what matched."""
    user = await joined(bot_env, 8101)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    for text in (
        "something white is seeping out of two of the dots",
        "the redness is creeping down my neck",
        "temp 38.9",
        "pain is like 8/10 right now",
        "shivering under two blankets",
        "small water filled blisters on my forehead",
        "ulti ho rahi hai subah se",
        "the skin near one injection point has turned grey",
    ):
        [reply] = await bot_env.ask(user, text)
        assert "needs the clinic's attention now" in reply.visible or (
            "at once" in reply.visible), text
        assert ALERTED in reply.visible, text
    [card, *_] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Red flag" in card.visible and "Rule: infection (" in card.visible
    assert "seeping" in card.visible.split("Rule: ")[1].split("\n")[0]
    [case] = await escalations(bot_env)
    assert case.kind == "red_flag"


async def test_breathing_leads_with_the_emergency_route(bot_env: BotEnv) -> None:
    """The breathing rule's own reply: the emergency instruction comes before the clinic's
    contact (infection's reply leads with the clinic)."""
    user = await joined(bot_env, 8102)
    [reply] = await bot_env.ask(user, "my lips are swelling and my throat feels tight")
    text = reply.visible
    assert "cannot wait" in text
    assert text.index(EMERGENCY) < text.index("Then let")


async def test_a_carer_writing_for_the_patient_is_urgent(bot_env: BotEnv) -> None:
    """ "writing for my wife - she blacked out when she got up": urgent, not someone
    else's past."""
    user = await joined(bot_env, 8103)
    [reply] = await bot_env.ask(
        user, "writing for my wife - she blacked out for a few seconds when she got up")
    assert ALERTED in reply.visible and "Lie down" in reply.visible


async def test_a_stranger_is_never_told_the_team_was_alerted(bot_env: BotEnv) -> None:
    """No enrollment, no alert: the urgent reply without the alerted line, and the invite
    hint."""
    stranger = bot_env.patient(8199)
    replies = await bot_env.ask(stranger, "i have a high fever", count=2)
    assert "needs the clinic's attention now" in replies[0].visible
    assert all(ALERTED not in reply.visible for reply in replies)


async def test_own_symptoms_and_requests_reach_a_person(bot_env: BotEnv) -> None:
    """A lump, a plea, a worried emoji and a request each reach a person, never an FAQ
    answer alone; "cancel" is not answered with the cancer entry. A new hard lump where a
    needle went reaches a person (content: a lump is a red flag when it grows; the learned
    readers of the second and third trainings made it urgent, the fourth's a case with the
    pain entry beside it)."""
    user = await joined(bot_env, 8104)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    # A case, and the pain entry beside it (two messages).
    replies = await bot_env.ask(
        user, "there is a new hard lump under my chin where a needle went", count=2)
    assert "asked the clinic team to look" in replies[0].visible
    assert "Is it painful?" in replies[1].visible
    [reply] = await bot_env.ask(user, "why did you cancel my reminders?")
    assert "passed your request to the clinic team" in reply.visible
    assert "Who should not" not in reply.visible
    posts = await bot_env.wait_sent(ALERT_CHAT_ID, before, count=2)
    assert "lump" in posts[0].visible
    assert "Joins case" in posts[1].visible and "cancel my reminders" in posts[1].visible
    [case] = await escalations(bot_env)
    assert case.status == "open"


async def test_calm_news_past_symptoms_and_figures_of_speech_stay_calm(bot_env: BotEnv) -> None:
    """ "no pain at all today", "had a temperature on Sunday, it passed" (the end said of the
    symptom itself, also "fever is gone now", "aaj bilkul theek"), "this traffic is killing
    me", "thnks dr 🙏", "ok ji": no urgent reply, no case."""
    user = await joined(bot_env, 8105)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    for text in ("no pain at all today", "I had a temperature on Sunday but it passed",
                 "kal raat halka bukhar tha, aaj bilkul theek",
                 "had fever yesterday, fever is gone now",
                 "this traffic is killing me 😂", "thnks dr 🙏", "ok ji"):
        [reply] = await bot_env.ask(user, text)
        assert "attention now" not in reply.visible, text
        assert "asked the clinic team" not in reply.visible, text
    await no_alert(bot_env, before)


async def test_phone_spellings_questions_and_hot_and_cold_get_the_urgent_reply(
    bot_env: BotEnv,
) -> None:
    """Issue 18, through the running bot: Hindi typed as phones type it ("खुन", "नही",
    "दरद"), English words in Devanagari, a question whether one's own symptom is normal,
    hot and cold by turns: each urgent, with the alerted line; the card names the
    concept, in the words the content lists."""
    user = await joined(bot_env, 8108)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    # Devanagari is answered in Hindi; the first time, the offer to switch follows.
    [reply, offer] = await bot_env.ask(user, "खुन बंद नही हो रहा", count=2)
    assert ALERTED_HI in reply.visible and "हिन्दी" in offer.visible
    for text in (
        "ब्लीडिंग रुक नहीं रही",
        "दरद बरदाश्त नहीं हो रहा",
        "is it normal to get blisters after meso? i have 3 of them on my jawline",
        "feeling hot n cold all day, one minute sweating next minute freezing",
    ):
        [reply] = await bot_env.ask(user, text)
        assert ALERTED in reply.visible or ALERTED_HI in reply.visible, text
    [card, *_] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Red flag" in card.visible and "Rule: bleeding (" in card.visible
    [case] = await escalations(bot_env)
    assert case.kind == "red_flag"


async def test_a_symptom_that_goes_on_beside_one_that_ended_is_urgent(bot_env: BotEnv) -> None:
    """Issue 18: "the swelling is gone" ends the swelling, not the fever said before it (the
    FAQ alone answered this); symptom emoji, a pain score the Hindi way round and "what do I
    do" after a symptom are urgent too."""
    user = await joined(bot_env, 8110)
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    for text in (
        "i had a fever last night and still have it, the swelling is gone",
        "🤮🤮 4 baar subah se",
        "10 me se 9 dard hai",
        "bukhar aa gaya hai to kya karu",
    ):
        [reply] = await bot_env.ask(user, text)
        assert ALERTED in reply.visible, text
    [card, *_] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Red flag" in card.visible and "Rule: infection (" in card.visible
