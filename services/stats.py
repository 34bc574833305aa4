"""/stats and the console's Stats page: patients by status, messages, failures and cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import MessageStats
from services.context import AppContext
from storage.reports import CaseFigures, case_figures
from storage.repositories import Store


@dataclass(frozen=True, kw_only=True)
class Stats:
    now: datetime
    patients: dict[str, int]
    messages: MessageStats
    failed_24h: int
    open_escalations: int
    cases: CaseFigures | None = None


async def stats(ctx: AppContext, *, now: datetime) -> Stats:
    async with Store(ctx.sessions) as store:
        messages = await store.messages.stats(now)
        patients = await store.patients.count_by_status()
        failed_24h = await store.messages.failed_since(now - timedelta(hours=24))
        open_escalations = await store.escalations.count_open()
        cases = await case_figures(store.session)
    return Stats(
        now=now, patients=patients, messages=messages, failed_24h=failed_24h,
        open_escalations=open_escalations, cases=cases,
    )
