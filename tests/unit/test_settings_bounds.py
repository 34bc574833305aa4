"""Settings that `check` passes must run: every number bounded with its reason, every
value start-up uses validated, each problem as `file: [key] what`."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings


def _load(tmp_path: Path, toml: str) -> str:
    path = tmp_path / "settings.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, {})
    return str(caught.value)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[logging]\nlevel = "VERBOSE"', "[logging.level] expected one of DEBUG, INFO"),
        ('[health]\nlisten = "nonsense"', "[health.listen] expected host:port"),
        ("[retention]\ndays = 10000000", "[retention.days] Input should be less than or equal"
         " to 3650 (ten years at most"),
        ("[delivery]\nlease_seconds = 1e9", "[delivery.lease_seconds]"),
        ("[delivery]\nper_chat_seconds = 100000", "[delivery.per_chat_seconds]"),
        ("[invites]\nttl_days = 100000", "(a year at most"),
        ("[staff]\nadmin_ids = [0]", "[staff.admin_ids] 0 is not a Telegram user id"),
        ("[staff]\nalert_chat_id = 99999999999999999999", "[staff.alert_chat_id]"),
        ('[clinic]\nlanguages = []', "[clinic.languages] list at least one language"),
        ('[clinic]\nlanguages = ["English"]', "expected language codes"),
        ('[clinic]\ndefault_language = "ta"', "default_language 'ta' must be one of"),
        ('[clinic]\ndate_order = "YDM"', "[clinic.date_order]"),
        ('[telegram]\nread_timeout = 100000', "[telegram.read_timeout]"),
        ("[escalation]\nack_minutes = 0", "[escalation.ack_minutes]"),
        ("[escalation]\npatient_followup_minutes = 5000", "(a day at most"),
        ("[escalation]\nrepeat_minutes = 0.1", "[escalation.repeat_minutes] Input should be"
         " greater than or equal to 0.5 (half a minute to a day"),
        ("[staff]\non_call = [-5]", "[staff.on_call] -5 is not a Telegram user id"),
    ],
)
def test_out_of_bounds_values_are_refused_with_the_key(
    tmp_path: Path, toml: str, expected: str
) -> None:
    """Each value that would break a running bot is refused when settings load (and so by
    `check`), naming the key and what is expected."""
    message = _load(tmp_path, toml)
    assert message.startswith(str(tmp_path / "settings.toml"))
    assert expected in message


def test_toml_nested_thousands_deep_is_a_clear_error(tmp_path: Path) -> None:
    """A pathological file is a settings error, not a crash of `check`."""
    message = _load(tmp_path, "x = " + "[" * 5000 + "]" * 5000)
    assert "not valid TOML" in message


def test_shipped_settings_load() -> None:
    """The shipped settings.toml passes every bound."""
    load_settings(Path(__file__).resolve().parents[2] / "settings.toml", {})


def test_on_call_defaults_to_the_admins(tmp_path: Path) -> None:
    """staff.on_call pages the listed ids; unset, the admins; the ladder's defaults 10/15."""
    path = tmp_path / "settings.toml"
    path.write_text("[staff]\nadmin_ids = [1, 2]\n", encoding="utf-8")
    settings = load_settings(path, {})
    assert settings.staff.pager_ids == [1, 2]
    assert (settings.escalation.ack_minutes, settings.escalation.patient_followup_minutes) == (
        10, 15)
    path.write_text("[staff]\nadmin_ids = [1]\non_call = [7, 8]\n", encoding="utf-8")
    assert load_settings(path, {}).staff.pager_ids == [7, 8]
