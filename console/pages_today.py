"""Today (open cases, failed deliveries, what is due within the hour, who joined or stopped)
and the case action taken from it."""

from __future__ import annotations

from console.pages_course import BOOKING_DONE, BOOKING_STATES
from console.web import Page
from services.cases import CaseAction, act
from services.console_config import CONSOLE_PATH
from services.console_today import today

DONE = {
    "resolved": "Case resolved.", "gone": "That case was already closed.",
    "acknowledged": "Case acknowledged.", "assigned": "The case is yours.",
    "unchanged": "Nothing to change: someone already has that case.",
}
ACTION_DONE = {"acknowledge": "acknowledged", "assign": "assigned"}


class TodayHandler(Page):
    async def get(self) -> None:
        view = await today(self.ctx)
        done = DONE.get(self.get_query_argument("done", ""), "") or BOOKING_DONE.get(
            self.get_query_argument("booking", ""), "")
        self.show("today.html", title="Today", active="today", view=view, done=done,
                  booking_states=BOOKING_STATES,
                  nudge_hours=f"{self.ctx.settings.invites.nudge_hours:g}")


class ResolveCaseHandler(Page):
    """POST /console/cases/<id>/resolve: close an open case (audited; the card in the staff
    chat is redrawn through the outbox)."""

    async def post(self, escalation_id: str) -> None:
        assert self.user is not None
        result = await act(self.ctx, int(escalation_id), CaseAction.RESOLVE, self.user.user_id,
                           redraw=True)
        self.redirect(f"{CONSOLE_PATH}/?done={'resolved' if result.outcome == 'ok' else 'gone'}",
                      status=303)


class CaseActionHandler(Page):
    """POST /console/cases/<id>/(acknowledge|assign): the same service as the Telegram card
    (audited there); the card in the staff chat is redrawn through the outbox, so it shows
    who has the case as if they had pressed its button."""

    async def post(self, escalation_id: str, action: str) -> None:
        assert self.user is not None
        result = await act(self.ctx, int(escalation_id), CaseAction(action), self.user.user_id,
                           redraw=True)
        outcome = {"ok": ACTION_DONE[action], "unchanged": "unchanged"}.get(result.outcome, "gone")
        self.redirect(f"{CONSOLE_PATH}/?done={outcome}", status=303)
