"""Repeat sessions: `/session` starts the new session's care and supersedes the earlier
plan, one plan per protocol at a time, shown in /patient."""

from __future__ import annotations

from datetime import timedelta

from core.statuses import EnrollmentStatus, MessageStatus
from tests.e2e.harness import BotEnv
from tests.e2e.test_staff_commands import enrolled, messages_of


async def test_session_supersedes_the_earlier_plan(bot_env: BotEnv) -> None:
    """A second session of the face protocol: the first session's pending messages are
    cancelled as superseded, the new session's plan is the only one pending."""
    invite, _user = await enrolled(bot_env, label="Meera")
    await bot_env.deliver(timedelta(hours=2))  # some of session 1 went out
    first = await messages_of(bot_env, invite.enrollment_id)
    sent_before = [m.id for m in first if m.status == MessageStatus.SENT]
    pending_before = [m for m in first if m.status == MessageStatus.PENDING]
    assert sent_before and pending_before

    # A time already past records the session as done (a future one books it: test_course).
    [reply] = await bot_env.ask(bot_env.staff, f"/session {invite.patient_id} today 12:00")
    assert "session 2 on 2026-03-02 12:00 (Monday, Asia/Kolkata)" in reply.visible
    assert f"{len(pending_before)} pending from the earlier session" in reply.visible

    async with bot_env.db() as db:
        enrollments = await db.enrollments.list_for_patient(invite.patient_id)
    newest, older = enrollments
    assert (older.status, older.session_number) == (EnrollmentStatus.SUPERSEDED, 1)
    assert (newest.status, newest.session_number) == (EnrollmentStatus.ACTIVE, 2)
    old_messages = await messages_of(bot_env, older.id)
    assert [m.id for m in old_messages if m.status == MessageStatus.SENT] == sent_before
    assert not [m for m in old_messages if m.status == MessageStatus.PENDING]
    new_messages = await messages_of(bot_env, newest.id)
    assert any(m.status == MessageStatus.PENDING for m in new_messages)
    # One plan: no step is pending twice.
    steps = [(m.step_id, m.occurrence) for m in new_messages]
    assert len(steps) == len(set(steps))

    [detail] = await bot_env.ask(bot_env.staff, f"/patient {invite.patient_id}")
    assert "session 2: 2026-03-02 12:00" in detail.visible
    assert "cancelled, superseded by session 2" in detail.visible
    assert "superseded), session 1" in detail.visible


async def test_session_for_a_patient_who_has_not_joined_is_refused(bot_env: BotEnv) -> None:
    """An invited patient has no plan to replace: /session says so and changes nothing."""
    invite = await bot_env.invite()
    [reply] = await bot_env.ask(bot_env.staff, f"/session {invite.patient_id}")
    assert "has not joined yet" in reply.visible
    async with bot_env.db() as db:
        assert len(await db.enrollments.list_for_patient(invite.patient_id)) == 1
    [missing] = await bot_env.ask(bot_env.staff, "/session 999")
    assert "No patient #999" in missing.visible


async def test_a_second_invite_for_the_same_procedure_gives_one_plan(bot_env: BotEnv) -> None:
    """The reported case: a second face invite opened by the same patient used to leave two
    full plans running side by side. Now the first session is superseded, one plan runs,
    and /patients lists no phantom row for the invite's placeholder patient."""
    first = await bot_env.invite("micro-mesotherapy-face", label="Meera")
    user = bot_env.patient(5013)
    await bot_env.ask(user, f"/start {first.code}")
    await bot_env.press(user, "Yes")
    await bot_env.deliver()
    second = await bot_env.invite(
        "micro-mesotherapy-face", label="Meera again",
        session_start=bot_env.clock.now() + timedelta(days=28),
    )
    await bot_env.ask(user, f"/start {second.code}")
    await user.expect("agree to receive")  # delivery may have sent care meanwhile
    before = len(bot_env.sent_to(bot_env.alert_chat_id))
    await bot_env.press(user, "Yes")
    # Another record's invitation in Meera's chat: staff add it to her (returning patient).
    await bot_env.deliver()
    [question] = await bot_env.wait_sent(bot_env.alert_chat_id, before)
    await bot_env.staff.press(f"➕ Add to #{first.patient_id}", on_message=question)
    await user.expect("/timezone")
    async with bot_env.db() as db:
        enrollments = await db.enrollments.list_for_patient(first.patient_id)
        assert [(e.status, e.session_number) for e in enrollments] == [
            (EnrollmentStatus.ACTIVE, 2), (EnrollmentStatus.SUPERSEDED, 1),
        ]
        old = await db.messages.list_for_enrollment(first.enrollment_id)
        new = await db.messages.list_for_enrollment(second.enrollment_id)
    assert not [m for m in old if m.status == MessageStatus.PENDING]
    pending = [(m.step_id, m.occurrence) for m in new if m.status == MessageStatus.PENDING]
    assert pending and len(pending) == len(set(pending))
    [listing] = await bot_env.ask(bot_env.staff, "/patients")
    assert listing.visible.count("\n#") == 1
    [detail] = await bot_env.ask(bot_env.staff, f"/patient {first.patient_id}")
    assert "session 2:" in detail.visible and "superseded by session 2" in detail.visible
