"""Retention (erasing patients inactive past retention.days) and the staff digest, on SQLite
and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.records import PatientRecord
from jobs.config import RetentionSettings
from jobs.digest import compose_digest, send_digest
from jobs.retention import apply_retention
from storage.database import session_factory
from storage.models import ScheduledMessage
from storage.repositories import Store

NOW = datetime(2026, 6, 1, 3, 30, tzinfo=UTC)
DAYS = 365
ADMIN = 1000


@dataclass(frozen=True, kw_only=True)
class Planned:
    """The shape messages.insert_plan takes."""

    step_id: str
    due_at: datetime
    status: str
    occurrence: int = 0
    kind: str = "reminder"
    text: str = "Keep the area clean."
    options: tuple[tuple[str, str], ...] | None = None
    expires_at: datetime | None = None
    moved_by_quiet_hours: bool = False
    respects_quiet_hours: bool = True


async def make_patient(
    sessions: async_sessionmaker[AsyncSession],
    *,
    label: str,
    chat_id: int | None,
    created: datetime,
    active: datetime | None,
    message_status: str | None = "expired",
) -> PatientRecord:
    """A patient created at `created`, last active at `active`, with one message."""
    async with Store(sessions) as db:
        patient = await db.patients.create(
            label=label, language="en", timezone="Asia/Kolkata", created_by=ADMIN, now=created
        )
        enrollment = await db.enrollments.create(
            patient_id=patient.id, protocol_id="micro-mesotherapy-face",
            session_start=created, created_by=ADMIN, now=created,
        )
        if chat_id is not None:
            await db.patients.set_chat(patient.id, chat_id, created)
        if active is not None:
            await db.patients.touch_activity(patient.id, active)
        if message_status is not None:
            due = NOW + timedelta(days=30) if message_status == "pending" else created
            await db.messages.insert_plan(
                enrollment_id=enrollment.id, patient_id=patient.id, chat_id=chat_id or 1,
                planned=[Planned(step_id="s", due_at=due, status=message_status)], now=created,
            )
        return patient


async def test_retention_erases_old_patients_and_leaves_recent_or_pending_ones(
    db_engine: AsyncEngine,
) -> None:
    """Inactive past retention.days: erased (label, chat), audited. Recently active, sent a
    message recently, or with a message still to send: untouched. Old processed webhook
    updates are pruned."""
    sessions = session_factory(db_engine)
    long_ago = NOW - timedelta(days=DAYS + 5)
    old = await make_patient(sessions, label="Old Heron", chat_id=8001, created=long_ago,
                             active=long_ago + timedelta(days=1))
    never_joined = await make_patient(sessions, label="Ghost Invite", chat_id=None,
                                      created=long_ago, active=None, message_status=None)
    recent = await make_patient(sessions, label="Recent Otter", chat_id=8002, created=long_ago,
                                active=NOW - timedelta(days=10))
    pending = await make_patient(sessions, label="Pending Lynx", chat_id=8003,
                                 created=long_ago, active=long_ago, message_status="pending")
    messaged = await make_patient(sessions, label="Quiet Reader", chat_id=8004,
                                  created=long_ago, active=long_ago)
    async with sessions() as session, session.begin():
        # The patient never wrote, but the bot sent them a reminder last month.
        await session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.patient_id == messaged.id)
            .values(status="sent", sent_at=NOW - timedelta(days=30),
                    finished_at=NOW - timedelta(days=30))
        )
    async with Store(sessions) as db:
        await db.inbound.save_if_new(1, {"message": {"chat": {"id": 8002}}}, NOW)
        await db.inbound.mark_processed(1, NOW - timedelta(days=2))
        await db.inbound.save_if_new(2, {"message": {"chat": {"id": 8002}}}, NOW)

    result = await apply_retention(sessions, days=DAYS, now=NOW, staff_ids=[ADMIN])

    assert sorted(result.erased) == sorted([old.id, never_joined.id])
    assert result.pruned_updates == 1
    async with Store(sessions) as db:
        for erased in (old, never_joined):
            row = await db.patients.get(erased.id)
            assert row is not None
            assert row.status == "forgotten" and row.label is None and row.chat_id is None
        for kept, label in ((recent, "Recent Otter"), (pending, "Pending Lynx"),
                            (messaged, "Quiet Reader")):
            row = await db.patients.get(kept.id)
            assert row is not None and row.label == label and row.status != "forgotten"
        audit = await db.audit.list(action="patient.retention")
        assert sorted(a.target or "" for a in audit) == sorted(
            f"patient:{p.id}" for p in (old, never_joined)
        )
        assert [u.update_id for u in await db.inbound.unprocessed()] == [2]
    again = await apply_retention(sessions, days=DAYS, now=NOW, staff_ids=[ADMIN])
    assert again.erased == ()  # idempotent: nothing left to erase


async def test_digest_counts_the_last_day_with_ids_only(db_engine: AsyncEngine) -> None:
    """New enrollments, open escalations, failures and opt-outs of the last 24 h, by id; no
    label or patient words in the text."""
    sessions = session_factory(db_engine)
    yesterday = NOW - timedelta(hours=3)
    fresh = await make_patient(sessions, label="Digest Falcon", chat_id=8101, created=yesterday,
                               active=yesterday)
    await make_patient(sessions, label="Old Badger", chat_id=8102,
                       created=NOW - timedelta(days=3), active=None)
    async with Store(sessions) as db:
        await db.escalations.open(patient_id=fresh.id, enrollment_id=None, kind="red_flag",
                                  rule_id="infection", patient_text="pus and fever Zyx-Word",
                                  now=yesterday)
        await db.audit.record(actor_id=8101, action="patient.stop", outcome="ok",
                              target=f"patient:{fresh.id}", now=yesterday)
    posted: list[tuple[int, str]] = []

    async def post(chat_id: int, text: str) -> None:
        posted.append((chat_id, text))

    report = await send_digest(sessions, post, -100500, NOW)
    assert report.new_enrollments == ((fresh.id, "micro-mesotherapy-face"),)
    assert [(p, k) for _i, p, k in report.open_escalations] == [(fresh.id, "red_flag")]
    assert report.opt_outs == (fresh.id,)
    [(chat, text)] = posted
    assert chat == -100500
    assert "New enrollments: 1" in text and f"#{fresh.id}" in text
    assert "Open escalations: 1" in text and "Opt-outs: 1" in text
    for secret in ("Digest Falcon", "Zyx-Word", "Badger"):
        assert secret not in text
    assert compose_digest(report) == text


async def test_audit_events_older_than_audit_days_are_pruned(db_engine: AsyncEngine) -> None:
    """The daily retention run deletes audit events older than retention.audit_days
    (default 400) and keeps the younger ones; the audit cannot grow for ever."""
    assert RetentionSettings().audit_days == 400
    sessions = session_factory(db_engine)
    async with Store(sessions) as store:
        for age_days in (800, 401, 399, 1):
            await store.audit.record(actor_id=ADMIN, action=f"aged.{age_days}", outcome="ok",
                                     now=NOW - timedelta(days=age_days))
    result = await apply_retention(sessions, days=DAYS, now=NOW, staff_ids=[ADMIN],
                                   audit_days=400)
    assert result.pruned_audit == 2
    async with Store(sessions) as store:
        left = sorted(e.action for e in await store.audit.list())
    assert left == ["aged.1", "aged.399"]


async def test_names_of_people_who_never_became_staff_go_after_30_days(
    db_engine: AsyncEngine,
) -> None:
    """Retention drops the noted names of people unseen for 30 days who are not staff;
    staff (added or settings admins) keep theirs."""
    sessions = session_factory(db_engine)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old = now - timedelta(days=31)
    async with Store(sessions) as store:
        await store.staff.add(2, 1, old)
        for user_id in (1, 2, 3, 4):
            await store.telegram_users.seen(user_id, f"Person {user_id}", None, old)
        await store.telegram_users.seen(5, "Recent", None, now - timedelta(days=2))
    await apply_retention(sessions, days=365, now=now, staff_ids=[1])
    async with Store(sessions) as store:
        left = await store.telegram_users.many([1, 2, 3, 4, 5])
    assert sorted(left) == [1, 2, 5]
