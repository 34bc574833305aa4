"""The delivery engine's own notices to the staff chat (failed deliveries) are outbox rows,
sent by a pass like every other group post: paced, red flags first, kept across a restart;
on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FakeClock
from jobs.sender import PermanentError
from testkit.delivery_support import rows, seed
from tests.integration.test_delivery import ALERT_CHAT, T0, ScriptedSender, drain, make_worker


async def test_a_failed_delivery_is_announced_by_a_queued_notice(engine: AsyncEngine) -> None:
    """A message that fails for good: the staff notice naming it is a row of the outbox
    (kind notice) that delivery sends to the staff chat, not a send past the pacing."""
    clock = FakeClock(T0)
    await seed(engine, 2, due=T0)
    sender = ScriptedSender(
        clock, lambda m: PermanentError("BadRequest: can't parse entities") if m.message_id == 1
        else 3,
    )
    await drain(make_worker(engine, clock, sender), clock)
    [notice] = [r for r in await rows(engine) if r.kind == "notice"]
    assert (notice.chat_id, notice.status, notice.telegram_message_id) == (ALERT_CHAT, "sent", 3)
    assert "Delivery failed for 1 message(s)" in notice.text and "1" in notice.text
    assert [m.kind for m in sender.alerts()] == ["notice"]
