"""The daily staff digest at 09:00 clinic time: counts and patient ids, never names or texts."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import require_aware
from storage.reports import Digest, digest

log = logging.getLogger(__name__)

JOB_NAME = "staff-digest"
RUN_AT = time(9, 0)  # clinic time
WINDOW = timedelta(hours=24)
MAX_IDS = 20  # ids listed per line; the count is always complete up to the query limit

Post = Callable[[int, str], Awaitable[Any]]


def _ids(values: Sequence[int | None] | Sequence[int]) -> str:
    shown = [f"#{v}" for v in values[:MAX_IDS] if v is not None]
    more = len(values) - MAX_IDS
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def compose_digest(report: Digest) -> str:
    """The digest as safe HTML (ids and protocol ids only)."""
    lines = ["<b>Daily digest</b> (last 24 hours)"]
    enrollments = report.new_enrollments
    lines.append(f"New enrollments: {len(enrollments)}")
    if enrollments:
        by_protocol: dict[str, list[int]] = {}
        for patient_id, protocol_id in enrollments:
            by_protocol.setdefault(protocol_id, []).append(patient_id)
        for protocol_id, patients in sorted(by_protocol.items()):
            lines.append(f"  {html.escape(protocol_id)}: patients {_ids(patients)}")
    escalations = report.open_escalations
    lines.append(f"Open escalations: {len(escalations)}")
    if escalations:
        by_kind: dict[str, list[int | None]] = {}
        for _escalation_id, escalated, kind in escalations:
            by_kind.setdefault(kind, []).append(escalated)
        for kind, escalated_ids in sorted(by_kind.items()):
            lines.append(f"  {html.escape(kind)}: patients {_ids(escalated_ids)}")
    failures = report.failed_messages
    lines.append(f"Failed messages: {len(failures)}")
    if failures:
        lines.append(f"  patients {_ids(sorted({p for _m, p in failures if p is not None}))}")
    lines.append(f"Opt-outs: {len(report.opt_outs)}")
    if report.opt_outs:
        lines.append(f"  patients {_ids(list(report.opt_outs))}")
    lines.append("Use /patient &lt;id&gt; for details.")
    return "\n".join(lines)


async def send_digest(
    sessions: async_sessionmaker[AsyncSession], post: Post, chat_id: int, now: datetime
) -> Digest:
    """Build the last 24 hours' digest and post it to `chat_id`."""
    require_aware(now, "now")
    async with sessions() as session, session.begin():
        report = await digest(session, now - WINDOW)
    await post(chat_id, compose_digest(report))
    log.info(
        "event=staff_digest enrollments=%d open_escalations=%d failed=%d opt_outs=%d",
        len(report.new_enrollments), len(report.open_escalations),
        len(report.failed_messages), len(report.opt_outs),
    )
    return report
