"""The patient texts' catalogs (texts/*.toml): what reading them reports, plural forms by
CLDR category, and each language's profile (scripts, dates)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.language import written_language
from core.texts.catalog import scripts
from core.texts.dates import local_date, session_when
from core.texts.patient import consent_version, t
from services.inbox import reply_language
from storage.text_catalogs import SHIPPED, install_shipped, read_catalogs

KOLKATA = ZoneInfo("Asia/Kolkata")

# A minimal Marathi catalog: its profile and a few texts (the rest falls back to English).
MARATHI = """\
[language]
name = "मराठी"
scripts = ["Devanagari", "Latin"]
weekdays = ["सोमवार", "मंगळवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"]
weekdays_short = ["सोम", "मंगळ", "बुध", "गुरु", "शुक्र", "शनि", "रवि"]
months = ["जानेवारी", "फेब्रुवारी", "मार्च", "एप्रिल", "मे", "जून", "जुलै", "ऑगस्ट",
          "सप्टेंबर", "ऑक्टोबर", "नोव्हेंबर", "डिसेंबर"]
plan_date = "{weekday_short} {dd}-{mm}-{year}, {time}"
plan_date_other_year = "{weekday_short} {dd}-{mm}-{year}, {time}"
day_date = "{weekday_short} {dd}-{mm}-{year}"
day_date_other_year = "{weekday_short} {dd}-{mm}-{year}"
session_date = "{weekday}, {day} {month}, {time}"
session_date_other_year = "{weekday}, {day} {month} {year}, {time}"
digits = "०१२३४५६७८९"

[plan]
plan_sent = "आधीच पाठवलेले: {count}."

[free_text]
smalltalk = "👍 मी इथे आहे: तुमचा प्रश्न कधीही लिहा."
handoff = "मी तुमचा प्रश्न क्लिनिक टीमला पाठवला आहे; ते इथेच उत्तर देतील. तातडीचे असल्यास: {contact}"
"""


def catalogs_with(tmp_path: Path, **files: str) -> Path:
    """The shipped catalogs in a folder, with `files` (language -> TOML) added or replaced."""
    folder = tmp_path / "texts"
    shutil.copytree(SHIPPED, folder)
    for language, text in files.items():
        (folder / f"{language}.toml").write_text(text, encoding="utf-8")
    return folder


def shipped_hi() -> str:
    return (SHIPPED / "hi.toml").read_text(encoding="utf-8")


@pytest.fixture
def marathi(tmp_path: Path) -> Iterator[None]:
    """en, hi and a minimal mr installed; the shipped ones again afterwards."""
    install_shipped(catalogs_with(tmp_path, mr=MARATHI))
    try:
        yield
    finally:
        install_shipped()


def test_the_shipped_catalogs_are_complete_and_clean() -> None:
    """en and hi: no problem, no missing text, the same keys."""
    report = read_catalogs()
    assert report.problems == () and report.warnings == ()
    assert set(report.catalogs["hi"].texts) == set(report.catalogs["en"].texts)


def test_a_missing_key_is_a_warning_naming_file_and_key(tmp_path: Path) -> None:
    """A text a language lacks: a warning (patients read English), with file and key."""
    hi = shipped_hi().replace('first_none = "अभी कोई संदेश तय नहीं है।"\n', "")
    report = read_catalogs(catalogs_with(tmp_path, hi=hi))
    assert report.problems == ()
    [warning] = report.warnings
    assert str(warning) == (f"{tmp_path / 'texts' / 'hi.toml'}: join.first_none: missing: "
                            "patients of this language read the English text")


def test_wrong_placeholders_tags_and_keys_are_problems(tmp_path: Path) -> None:
    """A lost or invented {placeholder}, a changed HTML tag, a key English lacks, a broken
    brace: each a problem naming the key, and the language is not installed."""
    hi = (shipped_hi()
          .replace("अगर जल्दी है: {contact}\"", "अगर जल्दी है: {phone}\"", 1)
          .replace("<b>आपके आने वाले संदेश</b>", "<i>आपके आने वाले संदेश</i>")
          .replace('first_now = "', 'first_nowe = "')
          .replace('when_today = "आज {time} बजे"', 'when_today = "आज {time बजे"'))
    report = read_catalogs(catalogs_with(tmp_path, hi=hi))
    shown = "\n".join(str(problem) for problem in report.problems)
    assert "free_text.handoff: placeholder(s) {contact} missing" in shown
    assert "free_text.handoff: placeholder(s) {phone} unknown" in shown
    assert "plan.plan_header: HTML tags differ from English's (b /b)" in shown
    assert "join.first_nowe: English (texts/en.toml) has no such text" in shown
    assert "join.when_today: broken {placeholder}" in shown
    assert "hi" not in report.catalogs


def test_plural_forms_must_be_the_languages_categories(tmp_path: Path) -> None:
    """A plural form CLDR does not give the language ("few" in Hindi) is a problem; so is
    broken TOML, with its line."""
    hi = shipped_hi().replace('plan_more = "…और {count} अन्य।"',
                              'plan_more = { few = "…और {count}", other = "…और {count} अन्य।" }')
    report = read_catalogs(catalogs_with(tmp_path, hi=hi))
    [problem] = report.problems
    assert "plan.plan_more: plural forms: few not used in this language" in str(problem)
    assert "this language has one, other" in str(problem)
    report = read_catalogs(catalogs_with(tmp_path / "b", hi="[join\n"))
    [problem] = report.problems
    assert "hi.toml: line 1, column 6: not valid TOML" in str(problem)


def test_plural_form_follows_the_count() -> None:
    """The consent question says "1 message" and "3 messages"."""
    values = {"clinic": "C", "procedure": "P", "description": "", "checkins": ""}
    assert "1 message from this chat — a care reminder" in t("invite_intro", "en", count=1,
                                                              **values)
    assert "3 messages from this chat" in t("invite_intro", "en", count=3, **values)
    assert "इस चैट में 1 संदेश" in t("invite_intro", "hi", count=1, **values)
    assert consent_version("en") != consent_version("hi")


def test_dates_follow_the_profile() -> None:
    """English leaves this year out; Hindi writes dd-mm-yyyy and Hindi names."""
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 15, 10, 30, tzinfo=UTC)
    assert local_date("plan_date", moment, KOLKATA, now, "en") == "Tue 15 Dec, 16:00"
    assert local_date("plan_date", moment, KOLKATA, now, "hi") == "मंगल 15-12-2026, 16:00"
    assert session_when(moment, KOLKATA, "hi", now) == "मंगलवार, 15 दिसंबर, 16:00"
    later = moment.replace(year=2027)
    assert session_when(later, KOLKATA, "en", now) == "Wed 15 Dec 2027, 16:00"


@pytest.mark.parametrize(
    ("text", "own", "expected"),
    [
        ("मला ताप आला आहे", "mr", "mr"),  # Devanagari from a Marathi patient: Marathi
        ("mala tap aala aahe", "mr", "mr"),  # romanised: still theirs
        ("मुझे बुखार है", "en", "hi"),  # Devanagari from an English patient: the first one
        ("I have a fever", "hi", "hi"),  # a Hindi patient writing Latin letters
        ("🙂 42", "mr", None),  # no letters
    ],
)
def test_written_language_prefers_the_patients_own(
    marathi: None, text: str, own: str, expected: str | None
) -> None:
    """Devanagari is not Hindi: the patient's own language when it is written so."""
    assert written_language(text, scripts(["en", "hi", "mr"]), own) == expected


def test_a_marathi_patient_writing_devanagari_is_answered_in_marathi(marathi: None) -> None:
    """The reply language stays Marathi, and the Marathi text is the one found."""
    language = reply_language("धन्यवाद", "mr", ["en", "hi", "mr"])
    assert language == "mr"
    assert t("smalltalk", language) == "👍 मी इथे आहे: तुमचा प्रश्न कधीही लिहा."
    assert t("plan_empty", language) == "No more messages are planned."  # not translated


def test_a_profile_may_write_its_own_digits(marathi: None) -> None:
    """Marathi written with Devanagari digits: in dates and in counts, not in other values."""
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 15, 10, 30, tzinfo=UTC)
    assert local_date("plan_date", moment, KOLKATA, now, "mr") == "मंगळ १५-१२-२०२६, १६:००"
    assert t("plan_sent", "mr", count=12) == "आधीच पाठवलेले: १२."
    assert t("plan_sent", "hi", count=12) == "पहले भेजे जा चुके: 12।"
