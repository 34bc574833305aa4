"""Who may act as staff: settings admins and the roster kept with /staff (a short-lived copy
in AppContext.roster), and the audit row every staff action leaves (ids and codes only)."""

from __future__ import annotations

from datetime import timedelta

from core.statuses import AuditOutcome
from services.context import AppContext
from storage.repositories import Store

# How old the staff roster may be before it is read again (StaffRoster): someone added as
# staff by another process is recognised within this.
ROSTER_SECONDS = 60


async def is_staff(ctx: AppContext, user_id: int | None) -> bool:
    """Admins from settings and staff not removed. A user missing from the roster read in
    the last ROSTER_SECONDS is not staff without asking the database (every patient's
    message asks); one on it is confirmed there."""
    if user_id is None:
        return False
    if user_id in ctx.settings.staff.admin_ids:
        return True
    roster, now = ctx.roster, ctx.clock.now()
    fresh = roster.read_at is not None and (
        timedelta(0) <= now - roster.read_at < timedelta(seconds=ROSTER_SECONDS))
    if fresh and user_id not in roster.ids:
        return False
    async with Store(ctx.sessions) as store:
        if not fresh:
            roster.ids = frozenset(s.user_id for s in await store.staff.list())
            roster.read_at = now
            if user_id not in roster.ids:
                return False
        return await store.staff.is_staff(user_id, ctx.settings.staff.admin_ids)


async def is_admin(ctx: AppContext, user_id: int | None) -> bool:
    if user_id is None:
        return False
    async with Store(ctx.sessions) as store:
        return await store.staff.is_admin(user_id, ctx.settings.staff.admin_ids)


async def audit(
    ctx: AppContext,
    *,
    actor_id: int | None,
    action: str,
    outcome: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """One audit row (ids and codes only: never names or message texts); `outcome` is an
    AuditOutcome or its text."""
    async with Store(ctx.sessions) as store:
        await store.audit.record(
            actor_id=actor_id, action=action, outcome=outcome, target=target, detail=detail,
            now=ctx.clock.now(),
        )


# --- the roster ------------------------------------------------------------------------

async def add_staff(ctx: AppContext, user_id: int, *, admin_id: int) -> bool:
    """Add (or bring back) a staff member; False if they already were staff."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        already = await store.staff.is_staff(user_id, ctx.settings.staff.admin_ids)
        if not already:
            await store.staff.add(user_id, admin_id, now)
            ctx.roster.read_at = None  # read again at the next check
        await store.audit.record(
            actor_id=admin_id, action="staff_add", outcome=AuditOutcome.OK,
            target=f"user:{user_id}",
            detail="already staff" if already else None, now=now,
        )
    return not already


async def remove_staff(ctx: AppContext, user_id: int, *, admin_id: int) -> bool:
    """Remove a staff member; False if they were not staff (settings admins stay)."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        removed = await store.staff.remove(user_id, now)
        await store.audit.record(
            actor_id=admin_id, action="staff_remove", outcome=AuditOutcome.OK,
            target=f"user:{user_id}",
            detail=None if removed else "not staff", now=now,
        )
    return removed


async def list_staff(ctx: AppContext) -> tuple[list[int], list[int]]:
    """(admins from the settings file, staff added with /staff add), user ids ascending."""
    async with Store(ctx.sessions) as store:
        added = await store.staff.list()
    admins = sorted(ctx.settings.staff.admin_ids)
    return admins, sorted(r.user_id for r in added if r.user_id not in admins)
