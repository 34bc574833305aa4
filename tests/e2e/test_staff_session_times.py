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
    for form in ("YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM", "tomorrow 11", "Asia/Kolkata"):
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


# Times as staff say them (issue 21). The harness clock is Monday 2026-03-02, 10:30 Kolkata.
RELATIVE = [
    ("next monday 10:30", "2026-03-09 10:30 (Monday, Asia/Kolkata)"),
    ("friday 5pm", "2026-03-06 17:00 (Friday, Asia/Kolkata)"),
    ("tomorrow 11", "2026-03-03 11:00 (Tuesday, Asia/Kolkata)"),
    ("in 2 days 10am", "2026-03-04 10:00 (Wednesday, Asia/Kolkata)"),
]


@pytest.mark.parametrize(("typed", "restated"), RELATIVE)
async def test_relative_times_in_one_line_enroll(bot_env: BotEnv, typed: str,
                                                 restated: str) -> None:
    """`/enroll face <relative time> Sunita Devi`: the procedure by a word of its id, the
    session on the day meant, the label exactly the words after the time."""
    replies = await bot_env.ask(bot_env.staff, f"/enroll face {typed} Sunita Devi", count=2)
    await assert_invite_reply(bot_env, replies)
    assert f"session {restated}" in replies[0].visible
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
    assert overview.patient.label == "Sunita Devi"
    assert overview.enrollments[0].protocol_id == "micro-mesotherapy-face"


async def test_the_reported_line_enrolls_next_monday(bot_env: BotEnv) -> None:
    """The reported case: `/enroll micro-mesotherapy-face next monday 10:30 Sunita Devi`
    used to enroll at now with the label "next monday 10:30 Sunita Devi"."""
    replies = await bot_env.ask(
        bot_env.staff, "/enroll micro-mesotherapy-face next monday 10:30 Sunita Devi", count=2)
    assert "session 2026-03-09 10:30 (Monday, Asia/Kolkata)" in replies[0].visible
    async with bot_env.db() as db:
        [overview] = await db.patients.list()
    assert overview.patient.label == "Sunita Devi"
    [detail] = await bot_env.ask(bot_env.staff, f"/patient {overview.patient.id}")
    assert "2026-03-09 10:30" in detail.visible and "Sunita Devi" in detail.visible


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("next week 10am Priya", "could not read “next week 10am”"),
        ("Monday Sharma", "now Monday Sharma"),
        ("10:00 Monday Sharma", "day first"),
        ("11 Priya", "the hour or the start of the label"),
        ("friday 5 Priya", "morning or evening"),
    ],
)
async def test_a_line_whose_time_cannot_be_told_creates_nothing(
    bot_env: BotEnv, line: str, says: str
) -> None:
    """Words that cannot be read as the time, or could be time or label, are refused with
    the accepted forms (and how to start a label with such a word): no patient."""
    [reply] = await bot_env.ask(bot_env.staff, f"/enroll face {line}")
    assert says in reply.visible and "Nothing was created" in reply.visible
    assert "next monday 10:30" in reply.visible  # the accepted forms
    assert await patient_count(bot_env) == 0


async def test_a_label_without_a_time_is_enrolled_now(bot_env: BotEnv) -> None:
    """`/enroll face Sunita Devi`: no time words, so the session is now and the label whole;
    `now Sunday Adeyemi` keeps a weekday-like first name in the label."""
    await bot_env.ask(bot_env.staff, "/enroll face Sunita Devi", count=2)
    replies = await bot_env.ask(bot_env.staff, "/enroll hair now Sunday Adeyemi", count=2)
    assert "2026-03-02 10:30 (Monday, Asia/Kolkata)" in replies[0].visible
    async with bot_env.db() as db:
        found = await db.patients.list()
    assert sorted(o.patient.label or "" for o in found) == ["Sunday Adeyemi", "Sunita Devi"]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("micro-mesotherapy-fase", "Did you mean <code>micro-mesotherapy-face</code>"),
        ("hiar", "Did you mean <code>micro-mesotherapy-hair</code>"),
        ("micro", "could be"),
    ],
)
async def test_a_protocol_typo_gets_did_you_mean_and_nothing(
    bot_env: BotEnv, typed: str, says: str
) -> None:
    """A close typo of a protocol id is answered with the id it resembles (never taken
    for it); a start shared by several ids lists them."""
    [reply] = await bot_env.ask(bot_env.staff, f"/enroll {typed} tomorrow 11 Priya")
    assert says in reply.text
    assert await patient_count(bot_env) == 0


@pytest.mark.parametrize(("typed", "restated"), RELATIVE)
async def test_relative_times_in_guided_enroll(bot_env: BotEnv, typed: str,
                                               restated: str) -> None:
    """The guided /enroll reads the same forms when the time is typed."""
    [pick] = await bot_env.ask(bot_env.staff, "/enroll")
    await bot_env.press(bot_env.staff, "Micro mesotherapy (face)", on_message=pick)
    [ask_label] = await bot_env.ask(bot_env.staff, typed)
    assert restated in ask_label.visible


@pytest.mark.parametrize(("typed", "restated"), RELATIVE)
async def test_relative_times_in_reschedule_and_session(
    bot_env: BotEnv, typed: str, restated: str
) -> None:
    """/reschedule and /session read the same forms and restate the session."""
    invite = await bot_env.invite(label="Ravi")
    await bot_env.activate(invite, bot_env.patient(5301))
    [moved] = await bot_env.ask(bot_env.staff, f"/reschedule {invite.patient_id} {typed}")
    assert f"session moved to {restated}" in moved.visible
    [session] = await bot_env.ask(bot_env.staff, f"/session {invite.patient_id} {typed}")
    assert restated in session.visible


async def test_an_unreadable_reschedule_changes_nothing(bot_env: BotEnv) -> None:
    """/reschedule with a time it cannot read says so, lists the forms, and moves nothing."""
    invite = await bot_env.invite(label="Ravi")
    [reply] = await bot_env.ask(bot_env.staff, f"/reschedule {invite.patient_id} next week")
    assert "Nothing was changed" in reply.visible and "friday 5pm" in reply.visible
    async with bot_env.db() as db:
        [enrollment] = await db.enrollments.list_for_patient(invite.patient_id)
    assert enrollment.session_start == invite.session_start
