"""The console's tornado routes, to mount on the bot's HTTP server (webhook or health)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tornado.web

from console.auth import SignInHandler, SignOutHandler, WebAppSignInHandler
from console.pages_course import (
    BookingActionHandler,
    CalendarHandler,
    InviteAgainHandler,
    PhotoHandler,
)
from console.pages_enroll import EnrollHandler, InviteStatusHandler
from console.pages_patients import PatientActionHandler, PatientHandler, PatientsHandler
from console.pages_protocols import ProtocolsHandler, StatsHandler
from console.pages_today import CaseActionHandler, ResolveCaseHandler, TodayHandler
from console.templating import STATIC, environment
from console.web import ConsoleState, ContextSource
from ops.metrics import Metrics
from services.console_config import CONSOLE_PATH, ConsoleSettings
from services.console_signin import Refusals

Route = tuple[str, type, dict[str, Any]]


class StaticHandler(tornado.web.StaticFileHandler):
    """The console's stylesheet and script: long-cached, never sniffed."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path}"


def console_routes(
    source: ContextSource, console: ConsoleSettings, *, bot_token: str,
    content_dir: Path | None = None, metrics: Metrics | None = None,
) -> list[Route]:
    """Every /console route; none while `console.url` is unset (the console is off).

    `source` returns the running AppContext (None while starting); `bot_token` checks the
    Mini App's initData; `content_dir` lets the Protocols page re-check the files on disk;
    `metrics` counts the refusals of requests not signed in.
    """
    if not console.enabled:
        return []
    refusals = Refusals(count=metrics.count_console_refusal) if metrics else Refusals()
    state = {"state": ConsoleState(source=source, console=console, bot_token=bot_token,
                                   content_dir=content_dir, templates=environment(),
                                   refusals=refusals)}
    base = CONSOLE_PATH
    return [
        (rf"{base}/?", TodayHandler, state),
        (rf"{base}/signin", SignInHandler, state),
        (rf"{base}/webapp", WebAppSignInHandler, state),
        (rf"{base}/signout", SignOutHandler, state),
        (rf"{base}/cases/([0-9]{{1,12}})/resolve", ResolveCaseHandler, state),
        (rf"{base}/cases/([0-9]{{1,12}})/(acknowledge|assign)", CaseActionHandler, state),
        (rf"{base}/enroll", EnrollHandler, state),
        (rf"{base}/enroll/([0-9]{{1,12}})(/status)?", InviteStatusHandler, state),
        (rf"{base}/patients", PatientsHandler, state),
        (rf"{base}/patients/([0-9]{{1,12}})", PatientHandler, state),
        (rf"{base}/patients/([0-9]{{1,12}})/(cancel|undo|reschedule|session|export)",
         PatientActionHandler, state),
        (rf"{base}/patients/([0-9]{{1,12}})/invite", InviteAgainHandler, state),
        (rf"{base}/patients/([0-9]{{1,12}})/photos/([0-9]{{1,12}})", PhotoHandler, state),
        (rf"{base}/bookings/([0-9]{{1,12}})/(done|noshow)", BookingActionHandler, state),
        (rf"{base}/calendar\.ics", CalendarHandler, state),
        (rf"{base}/protocols", ProtocolsHandler, state),
        (rf"{base}/stats", StatsHandler, state),
        (rf"{base}/static/(.*)", StaticHandler, {"path": str(STATIC)}),
    ]
