"""Today (open cases, failed deliveries, what is due within the hour, who joined or stopped)
and the case action taken from it."""

from __future__ import annotations

from console.web import Page
from services.cases import CaseAction, act
from services.console_config import CONSOLE_PATH
from services.console_today import resolve_case, today

DONE = {
    "resolved": "Case resolved.", "gone": "That case was already closed.",
    "acknowledged": "Case acknowledged.", "assigned": "The case is yours.",
    "unchanged": "Nothing to change: someone already has that case.",
}
ACTION_DONE = {"acknowledge": "acknowledged", "assign": "assigned"}


class TodayHandler(Page):
    async def get(self) -> None:
        view = await today(self.ctx)
        self.show("today.html", title="Today", active="today", view=view,
                  done=DONE.get(self.get_query_argument("done", ""), ""))


class ResolveCaseHandler(Page):
    """POST /console/cases/<id>/resolve: close an open case (audited)."""

    async def post(self, escalation_id: str) -> None:
        assert self.user is not None
        closed = await resolve_case(self.ctx, int(escalation_id), staff_id=self.user.user_id)
        self.redirect(f"{CONSOLE_PATH}/?done={'resolved' if closed else 'gone'}", status=303)


class CaseActionHandler(Page):
    """POST /console/cases/<id>/(acknowledge|assign): the same services as the Telegram card
    (audited there); the card in Telegram is not edited from here (the console does not
    reach the bot), it shows the change at its next edit or in /case."""

    async def post(self, escalation_id: str, action: str) -> None:
        assert self.user is not None
        result = await act(self.ctx, int(escalation_id), CaseAction(action), self.user.user_id)
        outcome = {"ok": ACTION_DONE[action], "unchanged": "unchanged"}.get(result.outcome, "gone")
        self.redirect(f"{CONSOLE_PATH}/?done={outcome}", status=303)
