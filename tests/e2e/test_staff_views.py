"""Staff views as a clinic uses them: find by label, the end of the list, times with their
zone, no phantom rows for erased patients."""

from __future__ import annotations

from tests.e2e.harness import BotEnv
from tests.e2e.test_staff_commands import enrolled


async def test_patients_finds_by_label_any_case(bot_env: BotEnv) -> None:
    """/patients meera lists only the patients whose label contains it."""
    await enrolled(bot_env, label="Meera Shah", user_id=5001)
    await enrolled(bot_env, label="Ravi", user_id=5002)
    [found] = await bot_env.ask(bot_env.staff, "/patients meera")
    assert "Meera Shah" in found.visible and "Ravi" not in found.visible
    [none] = await bot_env.ask(bot_env.staff, "/patients zzz")
    assert "No patient's label contains “zzz”" in none.visible


async def test_a_page_past_the_end_says_so(bot_env: BotEnv) -> None:
    """/patients 2 with one page of patients does not claim there are no patients."""
    await enrolled(bot_env, label="Only one")
    [reply] = await bot_env.ask(bot_env.staff, "/patients 2")
    assert "There is no page 2" in reply.visible


async def test_times_show_the_clinic_zone_and_the_patients_own(bot_env: BotEnv) -> None:
    """The list is in clinic time (named); a patient elsewhere also gets their own time."""
    invite, _user = await enrolled(bot_env, label="Abroad")
    async with bot_env.db() as db:
        await db.patients.set_timezone(invite.patient_id, "Europe/Berlin")
    [listing] = await bot_env.ask(bot_env.staff, "/patients")
    assert "times in clinic time, Asia/Kolkata" in listing.visible
    assert "Europe/Berlin for the patient)" in listing.visible
    [detail] = await bot_env.ask(bot_env.staff, f"/patient {invite.patient_id}")
    assert "(Monday, Europe/Berlin)" in detail.visible  # the session, in the patient's zone


async def test_an_erased_patient_is_no_phantom_row(bot_env: BotEnv) -> None:
    """After /forget the patient is gone from /patients (not a row of blanks)."""
    invite, user = await enrolled(bot_env, label="Leaving")
    await enrolled(bot_env, label="Staying", user_id=5002)
    await bot_env.ask(user, "/forget")
    await bot_env.press(user, "Yes")
    [listing] = await bot_env.ask(bot_env.staff, "/patients")
    assert "Staying" in listing.visible
    assert f"#{invite.patient_id} " not in listing.visible


async def test_staff_list_shows_admins_and_added_staff(bot_env: BotEnv) -> None:
    """/staff list: admins from the settings file, then staff added in the chat."""
    await bot_env.ask(bot_env.staff, "/staff add 3000")
    [listing] = await bot_env.ask(bot_env.staff, "/staff list")
    assert "Admins (settings file): Admin · 1000" in listing.visible
    assert "Staff added with /staff add: 3000" in listing.visible
