"""Today (open cases, failed deliveries, what is due within the hour, who joined or stopped)
and the case action taken from it."""

from __future__ import annotations

from console.pages_course import BOOKING_DONE, BOOKING_STATES
from console.web import Page
from core.records import row_id
from core.texts import staff as T
from services.cases import CaseAction, act, get_case
from services.console_config import CONSOLE_PATH
from services.console_today import today
from services.staff_directory import names_for

DONE = {
    "resolved": "Case resolved.", "gone": "That case was already closed.",
    "acknowledged": "Case acknowledged.", "assigned": "The case is yours.",
    "unchanged": "Nothing to change: someone already has that case.",
}
ACTION_DONE = {"acknowledge": "acknowledged", "assign": "assigned"}
TAKEN_ACTIONS = frozenset({"acknowledge", "resolve", "assign"})


class TodayHandler(Page):
    async def get(self) -> None:
        view = await today(self.ctx, now=self.ctx.clock.now())
        done = self.get_query_argument("done", "")
        self.show("today.html", title="Today", active="today", view=view,
                  done=await self._taken(done) or DONE.get(done, "") or BOOKING_DONE.get(
                      self.get_query_argument("booking", ""), ""),
                  booking_states=BOOKING_STATES,
                  nudge_hours=f"{self.ctx.settings.invites.nudge_hours:g}")

    async def _taken(self, done: str) -> str | None:
        """"taken-<action>-<case id>": the action changed nothing, someone was first: who."""
        parts = done.split("-")
        if len(parts) != 3 or parts[0] != "taken" or parts[1] not in TAKEN_ACTIONS:
            return None
        case_id = row_id(parts[2])
        found = None if case_id is None else await get_case(self.ctx, case_id)
        if found is None:
            return None
        case, _messages = found
        names = await names_for(self.ctx, [case.acknowledged_by, case.resolved_by,
                                           case.assigned_to])
        return T.case_taken(action=parts[1], status=case.status,
                            me=self.user.user_id if self.user else None,
                            acknowledged_by=case.acknowledged_by, resolved_by=case.resolved_by,
                            assigned_to=case.assigned_to, closed_reason=case.closed_reason,
                            names=names)


class ResolveCaseHandler(Page):
    """POST /console/cases/<id>/resolve: close an open case (audited; the card in the staff
    chat is redrawn through the outbox)."""

    async def post(self, escalation_id: str) -> None:
        assert self.user is not None
        case_id = row_id(escalation_id)
        result = (None if case_id is None else
                  await act(self.ctx, case_id, CaseAction.RESOLVE, self.user.user_id, redraw=True))
        if result is None or result.case is None:
            done = "gone"
        else:
            done = "resolved" if result.outcome == "ok" else f"taken-resolve-{case_id}"
        self.redirect(f"{CONSOLE_PATH}/?done={done}", status=303)


class CaseActionHandler(Page):
    """POST /console/cases/<id>/(acknowledge|assign): the same service as the Telegram card
    (audited there); the card in the staff chat is redrawn through the outbox, so it shows
    who has the case as if they had pressed its button."""

    async def post(self, escalation_id: str, action: str) -> None:
        assert self.user is not None
        case_id = row_id(escalation_id)
        result = (None if case_id is None else
                  await act(self.ctx, case_id, CaseAction(action), self.user.user_id, redraw=True))
        outcome = "gone" if result is None else {
            "ok": ACTION_DONE[action], "unchanged": f"taken-{action}-{case_id}",
        }.get(result.outcome, "gone")
        self.redirect(f"{CONSOLE_PATH}/?done={outcome}", status=303)
