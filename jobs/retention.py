"""Retention, daily: erase patient data `retention.days` after the patient's last activity,
and delete audit events older than `retention.audit_days`."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import require_aware
from storage.patient_data import forget_patient_data, patient_target
from storage.reports import retention_candidates
from storage.repositories import Repositories

log = logging.getLogger(__name__)

JOB_NAME = "retention"
RUN_AT = time(3, 30)  # clinic time: a quiet hour for the database
# Webhook updates are kept only to process each exactly once; after a day Telegram will not
# resend them, and they hold patients' words.
INBOUND_KEEP = timedelta(days=1)
# The names of people seen in the staff chat or asking /myid who never became staff: kept
# this long, so `/staff add @username` can find them meanwhile.
PEOPLE_KEEP = timedelta(days=30)
BATCH = 200
AUDIT_BATCH = 10_000  # audit events deleted per transaction


@dataclass(frozen=True, kw_only=True)
class RetentionResult:
    erased: tuple[int, ...]  # patient ids
    pruned_updates: int
    pruned_audit: int = 0  # audit events older than audit_days


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    *,
    days: int,
    now: datetime,
    staff_ids: Collection[int],
    audit_days: int | None = None,
) -> RetentionResult:
    """Erase every patient inactive for `days` with nothing left to send; prune old updates
    and (`audit_days` set) audit events older than that.

    Each patient is erased in its own transaction, so one failure does not undo the rest;
    patients with a pending or in-flight message, or activity after the cut-off, are left.
    """
    require_aware(now, "now")
    cutoff = now - timedelta(days=days)
    erased: list[int] = []
    seen: set[int] = set()
    while True:
        async with sessions() as session, session.begin():
            batch = await retention_candidates(session, inactive_before=cutoff, limit=BATCH)
        fresh = [patient_id for patient_id in batch if patient_id not in seen]
        if not fresh:
            break
        seen.update(fresh)
        for patient_id in fresh:
            async with sessions() as session, session.begin():
                # Checked again in this transaction: the patient may have written since.
                if not await retention_candidates(
                    session, inactive_before=cutoff, only=(patient_id,)
                ):
                    continue
                await forget_patient_data(session, patient_id, now, staff_ids=staff_ids)
                await Repositories(session).audit.record(
                    actor_id=None, action="patient.retention", outcome="ok",
                    target=patient_target(patient_id), detail=f"inactive {days} days", now=now,
                )
            erased.append(patient_id)
    async with sessions() as session, session.begin():
        store = Repositories(session)
        pruned = await store.inbound.prune_processed(now - INBOUND_KEEP)
        await store.telegram_users.forget_unseen_since(now - PEOPLE_KEEP, keep=staff_ids)
    audit = 0 if audit_days is None else await prune_audit(
        sessions, before=now - timedelta(days=audit_days))
    if erased or pruned or audit:
        log.info("event=retention erased=%d pruned_updates=%d pruned_audit=%d", len(erased),
                 pruned, audit)
    return RetentionResult(erased=tuple(erased), pruned_updates=pruned, pruned_audit=audit)


async def prune_audit(sessions: async_sessionmaker[AsyncSession], *, before: datetime) -> int:
    """Delete audit events older than `before`, in short transactions; how many went."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            gone = await Repositories(session).audit.prune(before, limit=AUDIT_BATCH)
        total += gone
        if gone < AUDIT_BATCH:
            return total
