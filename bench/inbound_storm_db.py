"""The inbound storm's database side: settings, enrolled patients, and what the run left.

Patients are enrolled and activated as tests/e2e/harness.py does (`invite()` + `activate()`:
the enrollment service, then the repositories claim the invite, bind the chat, mark both
active and store the plan), against the database the bot will open, migrated by
`open_context` exactly as the bot migrates it at start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from app.application import open_context
from app.settings import Settings, load_settings
from core.invites import hash_code
from core.statuses import MessageKind, MessageStatus
from services.context import AppContext
from services.enrollment import EnrollmentRequest, enroll
from services.planning import plan_for_enrollment
from storage.models import Escalation, ScheduledMessage
from storage.repositories import Store
from storage.system_clock import SystemClock

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:BENCH-token_storm-abcdefghijklmnop"
ADMIN_ID = 1000
ALERT_CHAT_ID = -100500
PROTOCOL = "micro-mesotherapy-face"
# Quiet hours off: the storm may run at any hour of the day, and patients' replies do not
# wait for them anyway; delivery otherwise keeps its production settings (20 a minute to
# the staff group, 25/s overall, 1 s per chat).
SETTINGS_TOML = """\
[clinic]
name = "Storm Clinic"
timezone = "Asia/Kolkata"
contact = "+91 00000 00000"
languages = ["en", "hi"]

[delivery]
quiet_hours = ""

[logging]
level = "INFO"
"""
STAFF_POSTS = (MessageKind.CARD, MessageKind.POST, MessageKind.COPY)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh SQLite file in `folder`, or a scratch PostgreSQL database (testkit)."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'storm.db'}"
        return
    from testkit.postgres import postgres_unavailable_reason, scratch_database

    reason = postgres_unavailable_reason()
    if reason is not None:
        raise SystemExit(f"--database postgresql: {reason}")
    with scratch_database() as url:
        yield url


def bot_environment(folder: Path, api_url: str, database_url: str) -> dict[str, str]:
    """The bot's environment (the names deployments use), settings file written to `folder`."""
    (folder / "settings.toml").write_text(SETTINGS_TOML)
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url,
        "AFTERCARE_SETTINGS": str(folder / "settings.toml"),
        "DATABASE_URL": database_url, "CONTENT_DIR": str(ROOT / "content"),
        "STAFF_ADMIN_IDS": str(ADMIN_ID), "STAFF_ALERT_CHAT_ID": str(ALERT_CHAT_ID),
    }


def settings_from(env: dict[str, str]) -> Settings:
    return load_settings(environ=env)


async def enroll_patients(settings: Settings, chat_ids: list[int]) -> float:
    """Enroll and activate one patient per chat id (session yesterday: day 1, the day of
    the first check-in); returns the seconds it took. Their planned messages due in the
    next hours are cancelled, so that no care reminder lands in a chat during the storm
    and passes for a reply."""
    clock = SystemClock()
    began = clock.now()
    ctx = await open_context(settings, clock=clock, bot_username="aftercare_storm_bot")
    try:
        for number, chat_id in enumerate(chat_ids):
            await _enroll_one(ctx, chat_id, f"Storm patient {number}", began)
        async with ctx.engine.begin() as conn:
            await conn.execute(
                update(ScheduledMessage)
                .where(ScheduledMessage.status == MessageStatus.PENDING,
                       ScheduledMessage.kind.in_(tuple(MessageKind.TO_PATIENT)),
                       ScheduledMessage.due_at < began + timedelta(hours=6))
                .values(status=MessageStatus.CANCELLED, finished_at=began)
            )
    finally:
        await ctx.engine.dispose()
    return (clock.now() - began).total_seconds()


async def _enroll_one(ctx: AppContext, chat_id: int, label: str, now: datetime) -> None:
    request = EnrollmentRequest(protocol_id=PROTOCOL, session_start=now - timedelta(days=1),
                                label=label)
    invite = await enroll(ctx, request, staff_id=ADMIN_ID, now=now)
    async with Store(ctx.sessions) as db:
        claim = await db.invites.claim(hash_code(invite.code), chat_id, now)
        assert claim.status == "ok", claim
        await db.patients.set_chat(invite.patient_id, chat_id, now)
        patient = await db.patients.set_status(invite.patient_id, "active")
        enrollment = await db.enrollments.set_status(invite.enrollment_id, "active")
        planned = plan_for_enrollment(ctx, patient, enrollment, now)
        await db.messages.insert_plan(enrollment_id=enrollment.id, patient_id=patient.id,
                                      chat_id=chat_id, planned=planned, now=now)


@dataclass(frozen=True, kw_only=True)
class Leftovers:
    """What the database holds after the bot stopped."""

    cases: Counter[str]          # escalations opened, by kind
    posts: Counter[str]          # staff-chat outbox rows (card/post/copy), by status


async def leftovers(settings: Settings) -> Leftovers:
    from storage.database import create_engine

    engine = create_engine(settings.database.url)
    try:
        async with engine.connect() as conn:
            cases = Counter({str(kind): int(n) for kind, n in await conn.execute(
                select(Escalation.kind, func.count()).group_by(Escalation.kind))})
            posts = Counter({str(status): int(n) for status, n in await conn.execute(
                select(ScheduledMessage.status, func.count())
                .where(ScheduledMessage.kind.in_(STAFF_POSTS))
                .group_by(ScheduledMessage.status))})
    finally:
        await engine.dispose()
    return Leftovers(cases=cases, posts=posts)
