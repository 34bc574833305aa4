"""The parts issue 18 added to understanding, each on its own: sound keys across scripts
and spellings, numbers patients report, concepts said in other words (`together`), and
the content checks for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.language import read
from core.measures import Grade, readings
from core.phrases import PhraseIndex, Together, TogetherIndex
from core.spelling import romanize, sound_key
from storage.content_loader import load_content, validate_content

SHIPPED = Path(__file__).resolve().parents[2] / "content"


@pytest.mark.parametrize(("word", "latin"), [
    ("बुखार", "bukhaar"), ("दर्द", "dard"), ("खुजली", "khujlii"), ("चक्कर", "chakkar"),
    ("सूजन", "suujan"), ("मवाद", "mavaad"),
])
def test_devanagari_is_romanised_with_schwa_deletion(word: str, latin: str) -> None:
    """Unicode names give the letters; the inherent vowel goes at the end and between
    vowelled syllables ("dard", not "darada"; "khujlii", not "khujalii")."""
    assert romanize(word) == latin


@pytest.mark.parametrize("spellings", [
    ("bukhar", "bukhaar", "bukar", "बुखार"),
    ("sujan", "soojan", "सूजन"),
    ("khoon", "khun", "खून"),
    ("chakkar", "chakar", "चक्कर"),
    ("mawad", "मवाद"),
    ("nahi", "नहीं", "नही"),
])
def test_spellings_of_one_word_share_a_sound_key(spellings: tuple[str, ...]) -> None:
    """What Hinglish spellings vary in (vowel length, aspiration, w/v, doubled letters,
    final nasal) folds away, in either script."""
    assert len({sound_key(word) for word in spellings}) == 1


def _index(*phrases: tuple[str, str, bool]) -> PhraseIndex:
    return PhraseIndex.build(phrases)


@pytest.mark.parametrize(("text", "found"), [
    ("bukhaar hai", True), ("बुखार है", True), ("bhukhar", True), ("bakra", False),
    ("i will pass by tomorrow", False), ("पास में", False),
])
def test_hindi_words_match_by_sound_but_not_english_ones(text: str, found: bool) -> None:
    """A Hindi phrase word meets its other spellings and script; "pass" is not "पस" (pus)
    and "पास" (near) neither: short words need the same consonants."""
    index = _index(("bukhar", "infection", True), ("पस", "infection", True))
    assert bool(index.find(read(text))) is found


def test_texting_without_vowels_meets_the_word() -> None:
    """ "drd", "bdh", "nhi" are "dard", "badh", "nahi" typed on a phone; "put" is no
    "pitti": the first and last letters must agree too."""
    index = _index(("dard badh", "pain", True), ("pitti", "allergy", True),
                   ("ruk nahi", "bleeding", True))
    assert [m.key for m in index.find(read("drd bdh rha h"))] == ["pain"]
    assert [m.key for m in index.find(read("khoon ruk nhi rha"))] == ["bleeding"]
    assert index.find(read("can i put ice on it")) == []


def test_a_word_spelt_right_is_no_typo_of_another() -> None:
    """ "seeping" is in the vocabulary, so it is not also taken for "seeing"."""
    index = _index(("seeping", "infection", False), ("seeing double", "vision", False))
    assert [m.key for m in index.find(read("seeping double"))] == ["infection"]


def _together(*groups: tuple[str, ...]) -> TogetherIndex:
    return TogetherIndex.build([Together(
        key="infection", groups=tuple(tuple((w, False) for w in g) for g in groups))])


@pytest.mark.parametrize(("text", "found"), [
    ("something white is seeping out of the dots", True),
    ("seeping out of the dots is something white", True),  # any order
    ("something white. it is seeping", False),  # not in one sentence
    ("something is not seeping", False),  # a negation between them
    ("something " + "word " * 14 + "seeping", False),  # too far apart
])
def test_together_finds_one_word_of_each_group_in_a_sentence(text: str, found: bool) -> None:
    """A concept in the patient's own words: one word of each list, in any order, close
    together in one sentence, with no negation between them."""
    index = _together(("something", "pus"), ("seeping", "oozing"))
    assert bool(index.find(read(text))) is found


@pytest.mark.parametrize(("text", "what", "value", "grade"), [
    ("temp 38.9", "temperature", 38.9, Grade.HIGH),
    ("checked, 100.8°F", "temperature", 38.2, Grade.HIGH),
    ("bukhar 101 hai", "temperature", 38.3, Grade.HIGH),
    ("thermometer se check kiya, 98.4 hai", "temperature", 36.9, Grade.NORMAL),
    ("37.8 c since morning", "temperature", 37.8, Grade.RAISED),
    ("pain 8/10", "pain", 8, Grade.HIGH),
    ("9 out of 10 pain", "pain", 9, Grade.HIGH),
    ("dard 7 hai", "pain", 7, Grade.HIGH),
    ("halka dard h, 4 jitna", "pain", 4, Grade.RAISED),
    ("tender where the needles went, like a 4.", "pain", 4, Grade.RAISED),
])
def test_numbers_patients_report(text: str, what: str, value: float, grade: Grade) -> None:
    """Temperatures (°C or °F, with a unit, a temperature word or a decimal where only
    body temperatures fall) and pain scores, graded against the clinical line."""
    [found] = readings(text)
    assert (found.what, found.value, found.grade) == (what, value, grade)


@pytest.mark.parametrize("text", [
    "session at 10:30", "room 101", "I am 38 years old", "pain on day 4", "dard 4 din se",
    "took 2 tablets for the pain", "on 12/10 i came",
])
def test_other_numbers_are_no_readings(text: str) -> None:
    """Times, ages, days, counts and dates are not temperatures or pain scores."""
    assert readings(text) == ()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED, tmp_path / "content"))


def test_shipped_concepts_load_with_replies_and_emergencies() -> None:
    """Breathing has its own reply leading with {emergency} and is an emergency; infection
    uses the file's reply and is not."""
    flags = load_content(SHIPPED, ["en", "hi"], "en").red_flags
    rules = {rule.id: rule for rule in flags.rules}
    breathing = flags.reply_for("breathing").get("en")
    assert breathing.index("{emergency}") < breathing.index("{contact}")
    assert flags.reply_for("infection") is flags.reply
    assert rules["breathing"].emergency and not rules["infection"].emergency
    assert rules["infection"].together


@pytest.mark.parametrize(("table", "message"), [
    ('en = [["pus"]]', "expected 2 to 4 lists of words"),
    ('en = [["pus"], ["oozing"]]\nhi = [["पस"], ["निकल"], ["बह"]]',
     "same number of word lists in every language"),
    ('en = "pus oozing"', "expected 2 to 4 lists of words"),
])
def test_a_broken_together_table_is_reported_with_its_place(
    content: Path, table: str, message: str
) -> None:
    """check names the file, the rule and the table, and says what is expected."""
    path = content / "red_flags.toml"
    text = path.read_text(encoding="utf-8")
    marker = '[[red_flag]]\nid = "vomiting"\n'  # the rule after chills
    path.write_text(text.replace(marker, f"[[red_flag.together]]\n{table}\n\n" + marker, 1),
                    encoding="utf-8")
    problems = [str(p) for p in validate_content(content, ["en", "hi"], "en")]
    # chills has two tables of its own (shaking + blanket; hot and cold by turns): the
    # broken one is the third
    assert any("red_flags.toml" in p and "red_flag[id=chills].together[2]" in p
               and message in p for p in problems), problems
