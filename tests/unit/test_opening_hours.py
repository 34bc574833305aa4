"""clinic.hours: parsed in core, asked "open now?" in clinic time; bad text is a settings error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings
from core.opening_hours import OpeningHours

MONDAY = datetime(2026, 3, 2)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(day=2 + day, hour=hour, minute=minute)


def test_mon_sat_window() -> None:
    """"Mon-Sat 09:00-19:00": open from 09:00 up to (not at) 19:00, closed on Sunday."""
    hours = OpeningHours.parse("Mon-Sat 09:00-19:00")
    assert hours.is_open(at(0, 9)) and hours.is_open(at(5, 18, 59))
    assert not hours.is_open(at(0, 8, 59)) and not hours.is_open(at(0, 19))
    assert not hours.is_open(at(6, 12))


def test_several_groups_lists_and_wrapping_ranges() -> None:
    """Groups by ";" or ",", days by "/", a range may wrap over the week's end."""
    hours = OpeningHours.parse("mon/wed 10:00-12:00; Sat-Sun 09:00-24:00")
    assert hours.is_open(at(2, 11)) and not hours.is_open(at(1, 11))
    assert hours.is_open(at(6, 23, 30)) and hours.is_open(at(5, 9))
    assert OpeningHours.parse("Fri-Mon 09:00-10:00").is_open(at(0, 9, 30))


@pytest.mark.parametrize("bad", [
    "", "always", "Mon-Sat", "Mon-Sat 9-19", "Xyz 09:00-10:00", "Mon 10:00-09:00",
    "Mon 25:00-26:00", "M 09:00-10:00",
])
def test_bad_hours_are_refused(bad: str) -> None:
    """Anything else is a ValueError that says what is expected."""
    with pytest.raises(ValueError, match=r"expected opening hours|closing time"):
        OpeningHours.parse(bad)


def test_settings_refuse_bad_hours_and_answer_in_clinic_time(tmp_path: Path) -> None:
    """A bad clinic.hours fails loading with the key; good hours are read in the clinic zone."""
    path = tmp_path / "settings.toml"
    path.write_text('[clinic]\nhours = "whenever"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[clinic.hours\] expected opening hours"):
        load_settings(path, {})
    path.write_text('[clinic]\ntimezone = "Asia/Kolkata"\nhours = "Mon-Sat 09:00-19:00"\n',
                    encoding="utf-8")
    clinic = load_settings(path, {}).clinic
    assert clinic.is_open(datetime(2026, 3, 2, 4, 0, tzinfo=UTC))  # 09:30 in Kolkata
    assert not clinic.is_open(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # 19:30


def test_hours_written_out_in_a_patients_language() -> None:
    """The hours with Hindi day names for a Hindi text (never "Mon-Sat" in Hindi); in
    English as the clinic wrote them; runs and single days alike."""
    from services.config import ClinicSettings

    clinic = ClinicSettings(hours="Mon-Fri 09:00-18:00; Sat 10:00-14:00")
    assert clinic.hours_for("hi") == "सोमवार–शुक्रवार 09:00–18:00; शनिवार 10:00–14:00"
    assert clinic.hours_for("en") == "Mon-Fri 09:00-18:00; Sat 10:00-14:00"
    assert clinic.placeholders("hi")["hours"] == clinic.hours_for("hi")
    odd = OpeningHours.parse("Mon/Wed/Fri 10:00-24:00")
    assert odd.describe(("M", "T", "W", "T", "F", "S", "S")) == "M, W, F 10:00–24:00"
