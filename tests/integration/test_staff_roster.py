"""is_staff with the roster copy: a patient's message costs no staff lookup; a "yes" is
always the database's, so a removal counts at once; an addition elsewhere within a minute."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from core.clock import FakeClock
from services.access import ROSTER_SECONDS, add_staff, is_staff
from services.context import AppContext
from storage.repositories import Store
from tests.integration.services_support import NOW

ADMIN, NURSE, PATIENT = 1000, 2001, 4242


class Statements:
    """Counts the SQL statements run on the context's engine."""

    def __init__(self, ctx: AppContext) -> None:
        self.count = 0
        event.listen(ctx.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


async def test_patients_cost_no_lookup_and_removal_counts_at_once(ctx: AppContext) -> None:
    assert await add_staff(ctx, NURSE, admin_id=ADMIN)
    assert await is_staff(ctx, NURSE)  # the roster is read here
    statements = Statements(ctx)
    for _ in range(5):
        assert not await is_staff(ctx, PATIENT)
    assert statements.count == 0
    assert await is_staff(ctx, ADMIN) and statements.count == 0  # admins are in settings
    async with Store(ctx.sessions) as store:  # removed by another process (the CLI)
        await store.staff.remove(NURSE, NOW)
    assert not await is_staff(ctx, NURSE)  # a "yes" is always the database's


async def test_staff_added_elsewhere_are_recognised_within_the_roster_age(
    ctx: AppContext,
) -> None:
    assert not await is_staff(ctx, NURSE)
    async with Store(ctx.sessions) as store:  # added by another process
        await store.staff.add(NURSE, ADMIN, NOW)
    assert not await is_staff(ctx, NURSE)  # not yet: the roster is fresh
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(seconds=ROSTER_SECONDS))
    assert await is_staff(ctx, NURSE)
    assert await add_staff(ctx, 2002, admin_id=ADMIN)  # here: at once
    assert await is_staff(ctx, 2002)
