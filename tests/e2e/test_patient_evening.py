"""Evening patients: a patient who has just consented is awake, so the day-0 care of an
evening session is not held until the morning by quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

from core.statuses import MessageStatus
from tests.e2e.harness import BotEnv

SESSION = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 20:00 in Kolkata
JOINED = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 21:30 in Kolkata, inside 21:00-08:00


async def test_day0_care_reaches_a_patient_who_joins_at_night(bot_env: BotEnv) -> None:
    """Session 20:00, consent 21:30: the day-0 care goes out now, not at 08:00; a message
    due later in the night (the 23:00 skin-products step) still waits for the morning."""
    invite = await bot_env.invite(session_start=SESSION)
    bot_env.clock.set(JOINED)
    user = bot_env.patient(5001)
    await bot_env.ask(user, f"/start {invite.code}")
    await bot_env.press(user, "Yes")
    await bot_env.deliver()
    async with bot_env.db() as db:
        messages = {m.step_id: m for m in await db.messages.list_for_enrollment(
            invite.enrollment_id)}
    for step in ("day0-care", "day0-normal", "day0-comfort"):
        assert messages[step].status == MessageStatus.SENT, step
        assert not messages[step].moved_by_quiet_hours
    later = messages["skin-products"]  # +3h = 23:00 local, past the awake hour
    assert later.status == MessageStatus.PENDING and later.moved_by_quiet_hours
    assert later.due_at == datetime(2026, 3, 3, 2, 30, tzinfo=UTC)  # 08:00 local
