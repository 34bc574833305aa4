"""Signing in and out: the one-time link's page, the Mini App's initData, sign-out."""

from __future__ import annotations

import json

from console.security import SESSION_COOKIE
from console.web import Page
from services.console_config import CONSOLE_PATH
from services.console_signin import SignIn, redeem_link, sign_out, webapp_sign_in

PROBLEMS = {
    "used": "This sign-in link was already used. Send /console to the bot for a new one.",
    "expired": "This sign-in link has expired. Send /console to the bot for a new one.",
    "unknown": "This sign-in link is not valid. Send /console to the bot for a new one.",
    "not_staff": "This Telegram account is not on the clinic's staff list.",
}
WEBAPP_PROBLEM = "Telegram could not confirm who you are. Close the console and open it again."


class SignInHandler(Page):
    """GET shows a "Sign in" button for the link's token (a link preview that fetches the
    page uses nothing); POST spends the token and sets the session cookie."""

    public = True

    def get(self) -> None:
        token = self.get_query_argument("t", "")[:64]
        if self.user is not None and not token:
            self.redirect(f"{CONSOLE_PATH}/")
            return
        self.sign_in_page(token=token)

    async def post(self) -> None:
        result = await redeem_link(self.ctx, self.state.console, self.field("t")[:64],
                                   requester=self.requester)
        if not self._signed_in(result):
            self.set_status(403)
            self.sign_in_page(problem=PROBLEMS.get(result.problem or "", PROBLEMS["unknown"]))
            return
        self.redirect(f"{CONSOLE_PATH}/", status=303)

    def _signed_in(self, result: SignIn) -> bool:
        if result.session_token is None:
            return False
        max_age = int(self.state.console.session_hours * 3600)
        self.set_console_cookie(SESSION_COOKIE, result.session_token, max_age)
        return True


class WebAppSignInHandler(SignInHandler):
    """POST /console/webapp: the Mini App's script sends Telegram's initData; JSON back."""

    async def post(self) -> None:
        result = await webapp_sign_in(self.ctx, self.state.console, self.field("init_data"),
                                      bot_token=self.state.bot_token, requester=self.requester)
        self.set_header("Content-Type", "application/json")
        if not self._signed_in(result):
            self.set_status(403)
            problem = PROBLEMS["not_staff"] if result.problem == "not_staff" else WEBAPP_PROBLEM
            self.finish(json.dumps({"ok": False, "problem": problem}))
            return
        self.finish(json.dumps({"ok": True}))


class SignOutHandler(Page):
    """POST /console/signout: the session ends here and in the database."""

    async def post(self) -> None:
        if self.session_token is not None:
            await sign_out(self.ctx, self.session_token)
        self.clear_cookie(SESSION_COOKIE, path=CONSOLE_PATH)
        self.user = None
        self.session_token = None
        self.show("message.html", title="Signed out",
                  text="You are signed out. Send /console to the bot to sign in again.")
