"""Today (open cases, failed deliveries, what is due within the hour, who joined or stopped)
and the case action taken from it."""

from __future__ import annotations

from console.web import Page
from services.console_config import CONSOLE_PATH
from services.console_today import resolve_case, today

DONE = {"resolved": "Case resolved.", "gone": "That case was already closed."}


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
