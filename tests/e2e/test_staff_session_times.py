"""Session times as staff type them: the clinic's day-first dates, today/tomorrow, a time
alone; a date-like word is never a label, and every reply restates the session."""

from __future__ import annotations

import pytest

from tests.e2e.harness import BotEnv
from tests.e2e.test_staff_enroll import assert_invite_reply, patient_count

# The harness clock: 2026-03-02 05:00 UTC = 10:30 in Kolkata (a Monday).


@pytest.mark.parametrize(
    ("typed", "utc", "restated"),
    [
        ("15/12/2026 10:00", "2026-12-15T04:30:00+00:00",
         "2026-12-15 10:00 (Tuesday, Asia/Kolkata)"),
        ("tomorrow 10am", "2026-03-03T04:30:00+00:00", "2026-03-03 10:00 (Tuesday, Asia/Kolkata)"),
        ("today 16:30", "2026-03-02T11:00:00+00:00", "2026-03-02 16:30 (Monday, Asia/Kolkata)"),
        ("4pm", "2026-03-02T10:30:00+00:00", "2026-03-02 16:00 (Monday, Asia/Kolkata)"),
    ],
)
async def test_one_line_enroll_reads_the_time_and_keeps_the_label(
    bot_env: BotEnv, typed: str, utc: str, restated: str
) -> None:
    """`/enroll micro-mesotherapy-face 15/12/2026 10:00 Anita`: the session is that day and
    the label is "Anita" (it used to be now, labelled "15/12/2026 10:00 Anita")."""
    replies = await bot_env.ask(
        bot_env.staff, f"/enroll micro-mesotherapy-face {typed} Anita", count=2
    )
    await assert_invite_reply(bot_env, replies)
    assert f"session {restated}" in replies[0].visible
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
        assert overview.patient.label == "Anita"
        assert overview.enrollments[0].session_start.isoformat() == utc


@pytest.mark.parametrize(
    "typed", ["32/12/2026 10:00 Anita", "15/12/2026 Anita", "tomorrow Anita", "25:99 Anita"]
)
async def test_an_unreadable_time_is_refused_with_the_accepted_forms(
    bot_env: BotEnv, typed: str
) -> None:
    """A date-like word that cannot be read is refused, never taken as the label."""
    [reply] = await bot_env.ask(bot_env.staff, f"/enroll micro-mesotherapy-face {typed}")
    for form in ("YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM", "tomorrow 10am", "Asia/Kolkata"):
        assert form in reply.visible, (typed, form)
    assert await patient_count(bot_env) == 0


async def test_reschedule_takes_the_same_forms(bot_env: BotEnv) -> None:
    """/reschedule <id> tomorrow 4pm moves the session and restates it."""
    await bot_env.ask(bot_env.staff, "/enroll micro-mesotherapy-face Ravi", count=2)
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
    patient_id = overview.patient.id
    [reply] = await bot_env.ask(bot_env.staff, f"/reschedule {patient_id} tomorrow 4pm")
    assert "session moved to 2026-03-03 16:00 (Tuesday, Asia/Kolkata)" in reply.visible
