"""The texts' one home: every UI text in every shipped language, and one command table."""

from __future__ import annotations

import re

from bot import patient_handlers, staff_handlers
from core.texts import patient, staff
from core.texts.commands import (
    PATIENT_COMMANDS,
    STAFF_COMMANDS,
    help_lines,
    menu,
    missing_translations,
)


def test_shipped_languages_have_every_patient_text() -> None:
    """en and hi cover every patient text and the whole patient command table."""
    assert patient.missing_translations(["en", "hi"]) == []


def test_a_declared_language_without_texts_is_reported() -> None:
    """A clinic language our texts lack is named, with what is missing, not silently English."""
    [problem] = patient.missing_translations(["en", "ta"])
    assert "'ta'" in problem
    assert "help" in problem
    assert "plan" in problem  # the command menu/help lines


def test_every_command_in_the_table_has_a_handler_and_back() -> None:
    """Registration is driven by the table: no command without a handler, no stray handler."""
    assert set(patient_handlers.HANDLERS) == {c.name for c in PATIENT_COMMANDS}
    # /enroll is a conversation (bot/staff_enroll.py), registered on its own.
    assert set(staff_handlers.HANDLERS) | {"enroll"} == {c.name for c in STAFF_COMMANDS}


def test_menus_and_help_come_from_the_same_rows() -> None:
    """Each language's menu and /help list the same commands, in table order."""
    for language in ("en", "hi"):
        names = [name for name, _ in menu(PATIENT_COMMANDS, language)]
        help_text = patient.help_text(language, clinic="C", contact="+91")
        assert re.findall(r"^/(\w+) —", help_text, re.MULTILINE) == names
    assert menu(PATIENT_COMMANDS, "hi")[0] == ("plan", "मेरे आने वाले संदेश")
    staff_names = re.findall(r"^/(\w+)", staff.staff_help(), re.MULTILINE)
    assert staff_names == [c.name for c in STAFF_COMMANDS]


def test_help_lines_show_usage_in_html() -> None:
    """Usage goes between the command and the dash, already escaped."""
    assert "/patient &lt;id&gt; — plan and delivery status" in help_lines(STAFF_COMMANDS, "en")
    assert missing_translations(STAFF_COMMANDS, "hi") == [c.name for c in STAFF_COMMANDS]
