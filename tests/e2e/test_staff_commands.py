"""Staff commands through Telegram: /patients, /patient, /cancel, /reschedule, /stats, /staff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.harness import ALERT_CHAT_ID, BOT_USERNAME, BotEnv
from tests.e2e.test_staff_cancel import confirm_cancel

HOSTILE = "<b>x</b> & co"


async def enrolled(env: BotEnv, *, label: str | None = HOSTILE, user_id: int = 5001,
                   protocol: str = "micro-mesotherapy-face") -> tuple:
    """An invited patient made active (chat bound, plan stored); returns (invite, user)."""
    invite = await env.invite(protocol, label=label, session_start=env.clock.now())
    user = env.patient(user_id)
    await env.activate(invite, user)
    return invite, user


async def messages_of(env: BotEnv, enrollment_id: int) -> tuple:
    async with env.db() as db:
        return await db.messages.list_for_enrollment(enrollment_id)


async def test_patients_lists_newest_first_with_escaped_labels(bot_env: BotEnv) -> None:
    """/patients shows id, label as typed, protocol, status and next time, newest first."""
    first, _ = await enrolled(bot_env, label="First")
    second = await bot_env.invite("micro-mesotherapy-hair", label=HOSTILE)
    [listing] = await bot_env.ask(bot_env.staff, "/patients")
    text = listing.visible
    assert text.index(f"#{second.patient_id} {HOSTILE}") < text.index(f"#{first.patient_id} First")
    assert "Micro mesotherapy (hair) · invited" in text
    assert "Micro mesotherapy (face) · active · next: 2026-" in text


async def test_patients_when_empty(bot_env: BotEnv) -> None:
    """With no patients, /patients says how to add one."""
    [reply] = await bot_env.ask(bot_env.staff, "/patients")
    assert "/enroll" in reply.visible


async def test_patient_shows_plan_in_patient_time_and_status(bot_env: BotEnv) -> None:
    """/patient <id> lists each planned message with local time, step, status."""
    invite, _ = await enrolled(bot_env)
    sent = await bot_env.deliver()
    assert sent >= 1
    replies = await bot_env.ask(bot_env.staff, f"/patient {invite.patient_id}")
    text = "\n".join(r.visible for r in replies)
    assert f"Patient #{invite.patient_id} {HOSTILE}" in text
    assert "Asia/Kolkata" in text
    plan = await messages_of(bot_env, invite.enrollment_id)
    assert len(plan) > 3
    for message in plan:
        assert message.step_id in text
    assert "· sent" in text and "· pending" in text
    assert all(len(r.text) <= 4096 for r in replies)


@pytest.mark.parametrize("command", ["/patient", "/patient abc", "/patient 1 2", "/patient -3"])
async def test_patient_with_bad_arguments_gets_usage(bot_env: BotEnv, command: str) -> None:
    """Missing or non-numeric ids get the usage line."""
    [reply] = await bot_env.ask(bot_env.staff, command)
    assert "Usage: /patient <id>" in reply.visible


async def test_patient_unknown_id(bot_env: BotEnv) -> None:
    """An id nobody has gets "No patient #id"."""
    [reply] = await bot_env.ask(bot_env.staff, "/patient 999")
    assert "No patient #999" in reply.visible


async def test_cancel_cancels_pending_and_tells_the_patient(bot_env: BotEnv) -> None:
    """/cancel <id>: enrollment cancelled, pending messages cancelled, patient told politely."""
    invite, user = await enrolled(bot_env)
    await bot_env.deliver()
    before = len(bot_env.sent_to(user.id))
    reply = await confirm_cancel(bot_env, invite.patient_id)
    assert "care cancelled (1 enrollment(s)" in reply.visible
    [notice] = await bot_env.wait_sent(user.id, before)
    assert "cancelled" in notice.visible and "Sunrise Clinic" in notice.visible
    plan = await messages_of(bot_env, invite.enrollment_id)
    assert not [m for m in plan if m.status == "pending"]
    assert [m for m in plan if m.status == "cancelled"]
    assert await bot_env.deliver(timedelta(days=30)) == 0
    async with bot_env.db() as db:
        enrollment = await db.enrollments.get(invite.enrollment_id)
        assert enrollment is not None and enrollment.status == "cancelled"
    [again] = await bot_env.ask(bot_env.staff, f"/cancel {invite.patient_id}")
    assert "nothing to cancel" in again.visible


async def test_cancel_of_an_invited_patient_voids_the_invite(bot_env: BotEnv) -> None:
    """Cancelling before the invite was used makes the code unusable."""
    invite = await bot_env.invite()
    await confirm_cancel(bot_env, invite.patient_id)
    async with bot_env.db() as db:
        from core.invites import hash_code

        peek = await db.invites.peek(hash_code(invite.code), bot_env.clock.now())
        assert peek.status != "ok"


@pytest.mark.parametrize("command", ["/cancel", "/cancel x", "/cancel 1 2"])
async def test_cancel_with_bad_arguments_gets_usage(bot_env: BotEnv, command: str) -> None:
    """Malformed /cancel gets the usage line."""
    [reply] = await bot_env.ask(bot_env.staff, command)
    assert "Usage: /cancel <id>" in reply.visible


async def test_reschedule_replans_pending_and_keeps_sent(bot_env: BotEnv) -> None:
    """/reschedule moves pending messages to the new session; sent ones stay as they were."""
    invite, _ = await enrolled(bot_env)
    await bot_env.deliver()
    old = {(m.step_id, m.occurrence): m for m in await messages_of(bot_env, invite.enrollment_id)}
    sent_before = {k: m for k, m in old.items() if m.status == "sent"}
    assert sent_before
    [reply] = await bot_env.ask(bot_env.staff, f"/reschedule {invite.patient_id} 2026-03-05 11:00")
    assert "session moved to 2026-03-05 11:00" in reply.visible
    new = {(m.step_id, m.occurrence): m for m in await messages_of(bot_env, invite.enrollment_id)}
    for key, message in sent_before.items():
        assert new[key].status == "sent" and new[key].sent_at == message.sent_at
    moved = [k for k, m in new.items() if m.status == "pending" and k in old
             and old[k].status == "pending"]
    assert moved
    assert any(new[k].due_at != old[k].due_at for k in moved)
    async with bot_env.db() as db:
        enrollment = await db.enrollments.get(invite.enrollment_id)
        assert enrollment is not None
        assert enrollment.session_start.isoformat() == "2026-03-05T05:30:00+00:00"
        assert [a.outcome for a in await db.audit.list(action="reschedule")] == ["ok"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/reschedule", "Usage: /reschedule"),
        ("/reschedule {id}", "Usage: /reschedule"),
        ("/reschedule {id} 2026-03-05", "Usage: /reschedule"),
        ("/reschedule x 2026-03-05 10:00", "Usage: /reschedule"),
        ("/reschedule {id} 2026-02-30 10:00", "could not read"),
        ("/reschedule {id} 31/02/2026 10:00", "could not read"),
        ("/reschedule {id} 2029-03-05 10:00", "more than a year"),
        ("/reschedule 999 2026-03-05 10:00", "no enrollment"),
    ],
)
async def test_malformed_reschedule_changes_nothing(
    bot_env: BotEnv, command: str, expected: str
) -> None:
    """Bad /reschedule arguments get a usage reply and leave the plan untouched."""
    invite, _ = await enrolled(bot_env)
    before = await messages_of(bot_env, invite.enrollment_id)
    [reply] = await bot_env.ask(bot_env.staff, command.format(id=invite.patient_id))
    assert expected in reply.visible
    assert await messages_of(bot_env, invite.enrollment_id) == before
    async with bot_env.db() as db:
        assert [a.outcome for a in await db.audit.list(action="reschedule")] == ["invalid"]


async def test_stats_counts_patients_messages_and_backlog(bot_env: BotEnv) -> None:
    """/stats shows patients and messages by status, the due backlog and open escalations."""
    await enrolled(bot_env)
    await bot_env.invite()
    [reply] = await bot_env.ask(bot_env.staff, "/stats")
    text = reply.visible
    assert "Patients: active 1, invited 1" in text
    assert "pending" in text
    assert "Due now (backlog): " in text
    assert "Open escalations: 0" in text


async def test_admin_adds_and_removes_staff(bot_env: BotEnv) -> None:
    """/staff add lets a user use staff commands; /staff remove takes it back; audited."""
    colleague = bot_env.user(2000)
    [refused] = await bot_env.ask(colleague, "/patients")
    assert "staff only" in refused.visible
    [added] = await bot_env.ask(bot_env.staff, "/staff add 2000")
    assert "2000 is now staff" in added.visible
    [listing] = await bot_env.ask(colleague, "/patients")
    assert "No patients yet" in listing.visible
    [again] = await bot_env.ask(bot_env.staff, "/staff add 2000")
    assert "already staff" in again.visible
    [removed] = await bot_env.ask(bot_env.staff, "/staff remove 2000")
    assert "no longer staff" in removed.visible
    [refused] = await bot_env.ask(colleague, "/patients")
    assert "staff only" in refused.visible
    async with bot_env.db() as db:
        outcomes = [(a.action, a.outcome) for a in reversed(await db.audit.list())]
    assert ("staff_add", "ok") in outcomes and ("staff_remove", "ok") in outcomes


async def test_non_admin_staff_cannot_manage_staff(bot_env: BotEnv) -> None:
    """A staff member who is not an admin is refused /staff (and audited)."""
    await bot_env.ask(bot_env.staff, "/staff add 2000")
    [reply] = await bot_env.ask(bot_env.user(2000), "/staff add 2001")
    assert "only admins" in reply.visible
    async with bot_env.db() as db:
        assert not await db.staff.is_staff(2001, [])
        refused = await db.audit.list(action="staff", actor_id=2000)
        assert [a.outcome for a in refused] == ["refused"]


@pytest.mark.parametrize(
    "command", ["/staff", "/staff add", "/staff add x", "/staff promote 5", "/staff add 1 2"]
)
async def test_staff_with_bad_arguments_gets_usage(bot_env: BotEnv, command: str) -> None:
    """Malformed /staff gets the usage line."""
    [reply] = await bot_env.ask(bot_env.staff, command)
    assert "Usage: /staff add" in reply.visible


async def test_settings_admin_cannot_be_removed_by_command(bot_env: BotEnv) -> None:
    """Admins come from the settings file; /staff remove points there."""
    [reply] = await bot_env.ask(bot_env.staff, "/staff remove 1000")
    assert "settings file" in reply.visible


async def test_patients_paginates_at_thirty(bot_env: BotEnv) -> None:
    """31 patients: page 1 shows 30 and points to page 2, which shows the oldest."""
    invites = [await bot_env.invite(label=f"P{n}") for n in range(31)]
    [page1] = await bot_env.ask(bot_env.staff, "/patients")
    assert page1.visible.count("\n#") == 30
    assert "More: /patients 2" in page1.visible
    [page2] = await bot_env.ask(bot_env.staff, "/patients 2")
    assert f"#{invites[0].patient_id} P0 " in page2.visible
    assert "More:" not in page2.visible


async def test_staff_commands_work_in_the_alert_group(bot_env: BotEnv) -> None:
    """Staff may use their commands in the staff group too; a stranger there is refused."""
    before = len(bot_env.sent_to(ALERT_CHAT_ID))
    await bot_env.staff.send(f"/stats@{BOT_USERNAME}", chat_id=ALERT_CHAT_ID)
    [reply] = await bot_env.wait_sent(ALERT_CHAT_ID, before)
    assert "Stats" in reply.visible
    await bot_env.user(4100).send("/stats", chat_id=ALERT_CHAT_ID)
    [refusal] = await bot_env.wait_sent(ALERT_CHAT_ID, before + 1)
    assert "staff only" in refusal.visible
