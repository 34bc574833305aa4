"""Shared by the service tests: the clinic they run as, and patients in known states."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.application import open_context
from app.settings import Settings
from core.clock import FakeClock
from core.invites import InviteCode
from services import onboarding
from services.context import AppContext
from storage.repositories import Store
from testkit.postgres import empty_tables

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CHAT = 4242
ALERTS = -100500


class Delivery:
    """Counts wake() calls (the real worker is not needed here)."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


async def enrolled(ctx: AppContext, *, label: str = "Asha <i>") -> tuple[str, int]:
    """An invite for the face protocol: (code, patient id)."""
    code = InviteCode.new()
    async with Store(ctx.sessions) as store:
        patient = await store.patients.create(label=label, language="en",
                                              timezone="Asia/Kolkata", created_by=1000, now=NOW)
        enrollment = await store.enrollments.create(
            patient_id=patient.id, protocol_id="micro-mesotherapy-face", session_start=NOW,
            created_by=1000, now=NOW)
        await store.invites.create(enrollment_id=enrollment.id, code_hash=code.code_hash,
                                   expires_at=datetime(2026, 3, 9, tzinfo=UTC), now=NOW)
    return code.code, patient.id


async def joined(ctx: AppContext) -> int:
    code, patient_id = await enrolled(ctx)
    result = await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en",
                                            now=NOW)
    assert result.status == "ok"
    return patient_id


async def context_on(url: str, *, clinic: str = "Sunrise") -> AppContext:
    """A real AppContext on the database at `url` (shipped content; its tables emptied on
    PostgreSQL, whose database the session shares); the caller disposes of its engine."""
    settings = Settings(
        database={"url": url}, content={"dir": str(REPO / "content")},
        clinic={"name": clinic, "contact": "+91 1", "timezone": "Asia/Kolkata"},
        staff={"admin_ids": [1000], "alert_chat_id": ALERTS},
    )
    context = await open_context(settings, clock=FakeClock(NOW), delivery=Delivery(),
                                 bot_username="test_bot")
    if context.engine.dialect.name == "postgresql":
        await empty_tables(context.engine)
    return context
