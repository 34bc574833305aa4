"""Clinic details per language: contact, emergency and hours as patients read them."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_shipped_settings_give_hindi_patients_a_hindi_contact() -> None:
    """The shipped settings.toml has the contact and the emergency route in both languages,
    and {hours} in a Hindi text has Hindi day names (issue 21), in English the clinic's."""
    clinic = load_settings(REPO / "settings.toml", {}).clinic
    assert "कॉल करें" in clinic.contact_for("hi")
    assert clinic.contact_for("en").startswith("Call the clinic")
    assert "112" in clinic.emergency_for("hi") and "अस्पताल" in clinic.emergency_for("hi")
    assert clinic.placeholders("hi")["hours"] == "सोमवार–शनिवार 09:00–19:00"
    assert clinic.placeholders("en")["hours"] == "Mon-Sat 09:00-19:00"


def test_a_language_without_its_own_text_gets_the_default_languages() -> None:
    """A per-language table falls back to clinic.default_language; one text serves all."""
    clinic = Settings(clinic={
        "contact": {"en": "Call 1", "hi": "कॉल 1"}, "default_language": "hi",
    }).clinic
    assert clinic.contact_for("ta") == "कॉल 1"
    assert Settings(clinic={"contact": "Call 2"}).clinic.contact_for("hi") == "Call 2"


def test_emergency_and_hours_fall_back_to_the_contact() -> None:
    """A clinic that set neither still gives patients a way to reach it."""
    clinic = Settings(clinic={"contact": "Call 3"}).clinic
    assert clinic.emergency_for("en") == "Call 3"
    assert clinic.placeholders("en") == {
        "clinic": "Our clinic", "contact": "Call 3", "emergency": "Call 3", "hours": "Call 3",
    }
