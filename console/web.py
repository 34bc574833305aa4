"""The console's base handler: who is signed in, CSRF on every POST, polite refusals (each
audited), security headers, and logs that hold neither query strings nor exception texts."""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import tornado.web
from markupsafe import Markup

from console.security import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    PRESESSION_MAX_AGE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    csrf_for_session,
    new_presession,
    same,
)
from console.templating import render
from core.texts import staff as staff_texts
from services.console_config import CONSOLE_PATH, ConsoleSettings
from services.console_enroll import RecentInvites
from services.console_signin import ConsoleUser, Refusals, Requester, refuse, session_user
from services.context import AppContext
from services.enrollment import EnrollmentInputError

log = logging.getLogger(__name__)

ContextSource = Callable[[], AppContext | None]
FIELD_LIMIT = 2000  # characters of any one form field; longer is cut


@dataclass(frozen=True, kw_only=True)
class ConsoleState:
    """What every console handler shares (built once by console_routes)."""

    source: ContextSource
    console: ConsoleSettings
    bot_token: str
    content_dir: Path | None
    templates: jinja2.Environment
    # Invitations made from Enroll forms lately, to show again for a resent form.
    recent_invites: RecentInvites = field(default_factory=RecentInvites)
    # Refusals of requests that are not signed in: counted, sampled into the audit.
    refusals: Refusals = field(default_factory=Refusals)


class Page(tornado.web.RequestHandler):
    """A console page. Subclasses set `public` for pages open without a session (sign-in),
    and call `require_admin` for admin-only actions."""

    public = False

    def initialize(self, state: ConsoleState) -> None:
        self.state = state
        self.user: ConsoleUser | None = None
        self.session_token: str | None = None
        self._ctx: AppContext | None = None

    @property
    def ctx(self) -> AppContext:
        assert self._ctx is not None
        return self._ctx

    # --- logging without personal data ----------------------------------------------------

    def _request_summary(self) -> str:
        # The default adds the query string (a search for a patient's name, a sign-in token).
        return f"{self.request.method} {self.request.path}"

    def log_exception(
        self, typ: type[BaseException] | None, value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, tornado.web.HTTPError):
            return
        # Where it failed, never what the exception says (it may quote what was typed).
        frames = traceback.extract_tb(tb) if tb is not None else []
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        log.error("event=console_error path=%s error=%s at=%s", self.request.path,
                  typ.__name__ if typ else "?", where)

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(self.page("message.html", title="Something went wrong", status=status_code,
                              text="The console could not do that. Go back and try again."))

    # --- the gate ---------------------------------------------------------------------------

    async def prepare(self) -> None:
        self._ctx = self.state.source()
        if self._ctx is None:
            self.set_status(503)
            self.finish(self.page("message.html", title="Starting", status=503,
                                  text="The console is starting. Try again in a moment."))
            return
        token = self.get_cookie(SESSION_COOKIE)
        if token:
            self.user = await session_user(self.ctx, token)
            self.session_token = token if self.user is not None else None
        if self.request.method == "POST" and not self._csrf_ok():
            await self.refuse("console.csrf", "csrf token missing or wrong",
                              "This form is out of date or did not come from the console. "
                              "Go back, reload the page and try again.")
            return
        if self.user is None and not self.public:
            if self.request.method in ("GET", "HEAD"):
                self.sign_in_page()
                return
            await self.refuse("console.request", "not signed in",
                              "You are not signed in. Send /console to the bot for a link.")

    def _csrf_ok(self) -> bool:
        given = self.get_body_argument(CSRF_FIELD, None)
        if self.session_token is not None and same(given, csrf_for_session(self.session_token)):
            return True
        # Sign-in forms (public) are posted before there is a session to derive a token from.
        return self.public and same(given, self.get_cookie(PRESESSION_COOKIE))

    @property
    def requester(self) -> Requester:
        """Who sent this request, for refusals while not signed in (sampled per address)."""
        return Requester(client=self.request.remote_ip or "?", refusals=self.state.refusals)

    async def refuse(self, action: str, reason: str, text: str, status: int = 403) -> None:
        """Audit the refusal (ids only; one not signed in is counted and sampled: see
        services.console_signin.Refusals) and answer politely; nothing is changed."""
        actor = self.user.user_id if self.user else None
        await refuse(self.ctx, actor_id=actor, action=action, reason=reason,
                     requester=None if self.user is not None else self.requester)
        self.set_status(status)
        self.finish(self.page("message.html", title="Not allowed", status=status, text=text))

    async def require_admin(self, action: str) -> bool:
        """True for an admin; anyone else is refused (audited) and False is returned."""
        if self.user is not None and self.user.is_admin:
            return True
        await self.refuse(action, "not admin", "Only an admin may do that.")
        return False

    # --- cookies and rendering --------------------------------------------------------------

    def set_console_cookie(self, name: str, value: str, max_age: int) -> None:
        console = self.state.console
        self.set_cookie(
            name, value, path=CONSOLE_PATH, max_age=max_age, httponly=True,
            secure=console.secure or console.cookie_samesite == "None",
            samesite=console.cookie_samesite,
        )

    def presession(self) -> str:
        """The sign-in forms' CSRF value (a cookie, set when missing)."""
        value = self.get_cookie(PRESESSION_COOKIE)
        if not value or len(value) > 64:
            value = new_presession()
            self.set_console_cookie(PRESESSION_COOKIE, value, PRESESSION_MAX_AGE)
        return value

    def sign_in_page(self, problem: str | None = None, token: str = "") -> None:
        self.finish(self.page("signin.html", title="Sign in", problem=problem, token=token,
                              user=None, csrf=self.presession()))

    def field(self, name: str, default: str = "") -> str:
        value = self.get_body_argument(name, None)
        if value is None:
            value = self.get_query_argument(name, default)
        return (value or "")[:FIELD_LIMIT]

    def page(self, name: str, **values: Any) -> str:
        ctx = self._ctx
        common = {
            "user": self.user,
            "csrf": csrf_for_session(self.session_token) if self.session_token else "",
            "clinic": ctx.settings.clinic.name if ctx else "",
            "zone": ctx.zone if ctx else None,
            # Procedures by their display name (staff read English), never by their id.
            "procedures": {pid: p.name.get("en", ctx.settings.clinic.default_language)
                           for pid, p in ctx.content.protocols.items()} if ctx else {},
            "active": "",
            "status": 200,
        }
        return render(self.state.templates, name, {**common, **values})

    def show(self, name: str, **values: Any) -> None:
        self.finish(self.page(name, **values))


def time_problem_markup(ctx: AppContext, error: EnrollmentInputError) -> Markup:
    """Why a typed session time was refused and how to type one, as the bot says it
    (core/texts/staff.py), safe for a template."""
    reason = "far_time" if error.reason == "far_time" else str(
        error.details.get("problem", "bad"))
    problem = staff_texts.time_problem(reason, str(error.details.get("words", "")))
    day_form = "MM/DD/YYYY" if ctx.settings.clinic.date_order == "MDY" else "DD/MM/YYYY"
    forms = staff_texts.TIME_FORMS.format(day_form=day_form)
    return Markup(f"{problem} {staff_texts.NOTHING_CHANGED} Type it like {forms}, "  # noqa: S704
                  f"in clinic time ({html.escape(ctx.settings.clinic.timezone)}).")
