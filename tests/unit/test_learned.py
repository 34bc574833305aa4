"""The learned red-flag reader (core/learned.py): it reads what scikit-learn trained on,
the shipped weights are what training on today's corpus gives, it explains itself with
learned words only, and core.understanding asks it after the rules."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from core.content import Content
from core.faq import FaqIndex
from core.learned import PERSON_AT, Learned, NgramChoice, NgramModel, Reading, features
from core.text_match import normalize
from core.triage import Situation, Triage
from core.understanding import LEARNED_RULE, PERSON_RULE, Outcome, Understanding, understand
from storage.content_loader import load_content, load_learned

ROOT = Path(__file__).resolve().parents[2]
CONTENT: Content = load_content(ROOT / "content", ["en", "hi"], "en")
FAQ = FaqIndex.build(CONTENT.faq, ["en", "hi"])
WITH = Triage.build(CONTENT.red_flags, ["en", "hi"], learned=load_learned())
RED_FLAGS = load_learned().red_flag
WITHOUT = Triage.build(CONTENT.red_flags, ["en", "hi"])
NO_PERSON_READER = Triage.build(CONTENT.red_flags, ["en", "hi"],
                                learned=replace(load_learned(), person=None))


def _trainer():  # type: ignore[no-untyped-def]
    path = ROOT / "scripts" / "train_model.py"
    spec = importlib.util.spec_from_file_location("train_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_model"] = module
    spec.loader.exec_module(module)
    return module


def decide(text: str, triage: Triage = WITH, day: int = 2) -> Understanding:
    return understand(text, triage=triage, faq=FAQ, language="en",
                      situation=Situation(day=day, settle_days=3, weekday=4),
                      protocols=("micro-mesotherapy-face",),
                      info_faq=CONTENT.red_flags.info_faq)


@pytest.mark.parametrize("text", [
    "pus from the dots", "जलन बढ़ रही है", "a", "x1 102°F 8/10", "bukhaar!!", "क़"])
def test_the_n_grams_are_scikit_learns_char_wb_ones(text: str) -> None:
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert features(text) == theirs(normalize(text))


def test_the_shipped_model_is_what_the_corpus_trains() -> None:
    # Adding messages to tests/corpus/ means retraining: scripts/train_model.py.
    assert _trainer().check() == 0


def test_it_reads_the_same_as_scikit_learn() -> None:
    trainer = _trainer()
    items = [item for item in trainer.training_items() if trainer.trainable(item)][::7]
    pipeline = trainer.fit(items)
    model = NgramModel.from_dict(trainer.export(pipeline, items))
    theirs = pipeline.predict_proba([item.text for item in items])[:, 1]
    ours = [model.probability(normalize(item.text)) for item in items]
    assert max(abs(a - b) for a, b in zip(theirs, ours, strict=True)) < 1e-4


def test_the_faq_reader_reads_the_same_as_scikit_learn() -> None:
    # Unpruned weights: core.learned's per-word sums, with an n-gram two words share
    # counted once, are scikit-learn's binary l2 bag exactly.
    trainer = _trainer()
    texts, labels = trainer.faq_examples(trainer.training_items()[::5])
    pipeline = trainer._pipeline(trainer.FAQ_C, balanced=False, norm="l2").fit(texts, labels)
    vectorizer, regression = pipeline
    model = NgramChoice.from_dict({
        "ngram": [2, 5], "labels": [str(label) for label in regression.classes_],
        "intercepts": list(regression.intercept_),
        "features": {gram: [vectorizer.idf_[index],
                            [[label, float(regression.coef_[label, index])]
                             for label in range(len(regression.classes_))]]
                     for gram, index in vectorizer.vocabulary_.items()}})
    sample = [*texts[::3], "the the then there", "pus pus pus", "सूजन सूजन और सूजा"]
    theirs = pipeline.predict_proba(sample)
    ours = [model.scores(normalize(text)) for text in sample]
    assert max(abs(a - b) for row, mine in zip(theirs, ours, strict=True)
               for a, b in zip(row, mine, strict=True)) < 1e-9


def test_a_wrong_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        Learned.from_dict({"format": 99})
    with pytest.raises(ValueError, match="l1"):
        NgramModel.from_dict({"norm": "l2"})


def test_the_explanation_names_only_learned_words() -> None:
    # A name, a place and a word nobody wrote in a red flag are never on the card.
    found = RED_FLAGS.read("Priyanka from Bandra here, my whole face is burning up and "
                           "I am shaking under the blanket, zxqwv")
    assert found.probability >= PERSON_AT
    assert found.explain().startswith("model ")
    assert not {"priyanka", "bandra", "zxqwv"} & set(found.words)
    assert Reading(probability=0.834, words=("pus", "102")).explain() == "model 83%: pus + 102"


def test_a_long_message_is_read_in_windows() -> None:
    # Since dev11 (a red flag that speaks of a cousin's wedding) the calm sentence alone
    # reads about 0.63, with no learned word to name: the reader does not act on that
    # (test_a_figure_without_a_learned_word_changes_nothing).
    calm = "We went to my cousin's wedding and the food was lovely. " * 80
    symptom = "Since last night I am shivering and my face is burning up like fire. "
    model = RED_FLAGS
    assert not model.read(calm).worrying(PERSON_AT)
    found = model.read(calm[:4000] + symptom + calm[4000:])
    assert found.worrying(PERSON_AT) and found.probability > model.read(calm).probability


def test_what_the_rules_call_expected_reaches_a_person_when_the_model_is_sure() -> None:
    # Crust on the dots is no listed word; the rules read "puffy" on day 2 as expected.
    text = "the dots on my cheek look angry and puffy and theres crust on them"
    assert decide(text, WITHOUT).outcome is Outcome.NORMAL
    found = decide(text)
    assert found.outcome is Outcome.DOUBTFUL and found.needs_person
    assert found.rule_id == LEARNED_RULE
    # (Since the fourth training, dev12 and dev13, "crust" is one of the reader's words.)
    assert found.matched.startswith("puffy + model ") and "crust" in found.matched


def test_what_already_reaches_a_person_can_become_urgent() -> None:
    # ("is it ok that my cheek is ... getting puffier" was the second example: the rules
    # now read a question whether the patient's own symptom is normal as a report.)
    for text in ("the injection spots are raised and weeping",
                 "is a throbbing hot cheek that gets puffier ok?"):
        rules, both = decide(text, WITHOUT), decide(text)
        assert rules.needs_person and rules.outcome is not Outcome.URGENT
        assert both.outcome is Outcome.URGENT and "model " in both.matched


def test_a_figure_without_a_learned_word_changes_nothing() -> None:
    # Long, with "and", like many red flags of the corpus; nothing to show staff.
    text = "The weather was lovely and we went for a walk in the park with the children."
    assert RED_FLAGS.read(text).probability >= PERSON_AT
    assert decide(text) == decide(text, WITHOUT)


@pytest.mark.parametrize("text", [
    "ok thanks doc", "kal bukhar tha ab bilkul theek hu", "when can I wear makeup again?",
    "no pain no swelling, all good", "शुक्रिया मैडम 🙏"])
def test_calm_messages_stay_calm(text: str) -> None:
    assert decide(text).outcome is decide(text, WITHOUT).outcome
    assert not decide(text).needs_person


def test_expected_swelling_on_day_one_keeps_the_reassuring_reply() -> None:
    # The rules know the day since the session; the model does not.
    assert decide("my face is a bit swollen and red", day=1).outcome is Outcome.NORMAL


@pytest.mark.parametrize("text", ["shukran", "hlo"])  # ("cheers doc": the rules know it now)
def test_small_talk_the_rules_do_not_know_opens_no_case(text: str) -> None:
    assert decide(text, WITHOUT).outcome is Outcome.HANDOFF
    assert decide(text).outcome is Outcome.SMALLTALK


@pytest.mark.parametrize("text", ["help", "sos", "मदद", "kuch samajh nahi aaya"])
def test_a_plea_is_never_small_talk(text: str) -> None:
    # "thank you for your help" taught the small-talk reader that "help" is thanks; a
    # patient who did not understand a word needs a person too.
    assert decide(text).needs_person


def test_thanks_for_the_help_is_still_small_talk() -> None:
    assert decide("thank you for your help").outcome is Outcome.SMALLTALK


@pytest.mark.parametrize(("text", "entry"), [
    ("how soon can i hit the gym", "exercise"),
    ("is it ok to put on sunblock and foundation tomorrow", "makeup"),
])
def test_the_faq_reader_answers_what_the_rules_could_only_guess(text: str, entry: str) -> None:
    assert decide(text, WITHOUT).outcome is Outcome.ASK
    found = decide(text)
    assert (found.outcome, found.entry_id) == (Outcome.ANSWER, entry)


def test_two_topics_named_keep_the_choice() -> None:
    # A close call between two confident entries: the FAQ reader settles it only when it is
    # sure (FAQ_ASKED_AT), else the patient picks. (Since dev11 it is sure of the sun entry
    # for "makeup and sunscreen after treatment?", at 0.52; keeping the choice whenever two
    # topics are joined cost 3-10 points of "FAQ right first" on the test parts.)
    found = decide("makeup and gym after treatment?")
    assert found.outcome is Outcome.ASK and {"makeup", "exercise"} <= set(found.suggestions)
    assert decide("makeup and sunscreen after treatment?").entry_id == "sun"


def test_the_faq_reader_offers_no_entry_of_another_protocol() -> None:
    # Hair washing is an entry of the hair protocol only.
    found = decide("when can i shampoo my hair again")
    assert found.entry_id != "wash-hair"


def test_growing_hot_swelling_in_devanagari_with_a_keyboard_typo_is_urgent() -> None:
    # "बड" for "बढ़": the rules now read it as getting worse (a person); the learned reader,
    # sure of it with "गरम" (hot), makes it urgent.
    text = "मेरे गाल पर सुजन बड रही है और गरम भी लग रहा है"
    assert decide(text, WITHOUT).outcome is Outcome.DOUBTFUL
    found = decide(text)
    assert found.outcome is Outcome.URGENT and "गरम" in found.matched


def test_an_answer_the_faq_reader_swaps_keeps_what_the_rules_put_beside_it() -> None:
    # "chale jayenge" (will go away) reads as "chhale" (blisters) to the rules: the warning
    # signs beside the wrong entry. The reader's entry replaces it; the warning signs stay.
    text = "side effects kitne din me chale jayenge?"
    rules = decide(text, WITHOUT)
    assert rules.outcome is Outcome.ANSWER and rules.entry_id != "side-effects-duration"
    found = decide(text)
    assert found.entry_id == "side-effects-duration"
    assert (found.outcome, found.suggestions, found.rule_id) == (
        rules.outcome, rules.suggestions, rules.rule_id)


@pytest.mark.parametrize(("text", "entry"), [
    ("honestly i dont see any change, feels like it didnt work", "results-when"),
    ("mera naya number note kar lijiye", "contact"),
    ("मुझे डॉक्टर से बात करनी है", "contact"),
])
def test_a_request_or_concern_the_rules_answer_goes_to_a_person_with_the_answer(
    text: str, entry: str
) -> None:
    rules = decide(text, NO_PERSON_READER)
    assert (rules.outcome, rules.entry_id) == (Outcome.ANSWER, entry)
    found = decide(text)
    assert found.needs_person and found.outcome is Outcome.DOUBTFUL
    assert found.entry_id == entry  # the answer still goes to the patient
    assert found.rule_id == PERSON_RULE and found.matched.startswith("model ")


@pytest.mark.parametrize("text", [
    "when can I wear makeup again?", "how many sessions will i need?",
    "is it ok to wash my face with cold water", "ab khujli nahi hai"])
def test_questions_and_calm_news_keep_their_answer_alone(text: str) -> None:
    found = decide(text)
    assert found.outcome is Outcome.ANSWER and not found.needs_person
    assert found == decide(text, NO_PERSON_READER)


@pytest.mark.parametrize("text", [
    "have a nice day", "happy diwali to the whole team 🪔", "chalo good night", "cheers mate",
    "see u on tuesday then", "jeete raho beta", "आपका दिन शुभ हो", "pakka"])
def test_wishes_and_goodbyes_are_small_talk_by_the_rules(text: str) -> None:
    # "chalo" was read as "chhale" (blisters): the cold-sores answer to "chalo good night".
    assert decide(text, WITHOUT).outcome is Outcome.SMALLTALK


def test_a_hindi_question_without_a_question_mark_gets_the_faq_readers_answer() -> None:
    # "धुप" for "धूप" (sun): nothing the rules match; Hindi asks with "कब", not "?".
    assert decide("धुप में कब जा सकते है", WITHOUT).outcome is Outcome.HANDOFF
    found = decide("धुप में कब जा सकते है")
    assert (found.outcome, found.entry_id) == (Outcome.ANSWER, "sun")
