"""Enroll at the desk: the form, the QR code large on screen, and the status the page polls
until the patient has joined."""

from __future__ import annotations

import json

import segno
from markupsafe import Markup

from console.security import FORM_FIELD
from console.web import Page, time_problem_markup
from core.local_time import format_session
from core.records import row_id
from services.console_enroll import (
    InviteProgress,
    enroll_at_desk,
    invite_progress,
    new_form_token,
)
from services.enrollment import LABEL_LIMIT, EnrollmentInputError

PROBLEMS = {
    "unknown_protocol": "Choose one of the procedures in the list.",
    "far_time": "That session is more than a year away. Check the year.",
    "long_label": f"The label is too long ({LABEL_LIMIT} characters at most).",
    "bad_form": "This form is out of date. Check the fields and create the invitation again.",
    "form_used": "That form had already created an invitation for someone else. Here it is "
                 "again with what you typed, as a new form: check it and create the invitation.",
}
REPEAT_NOTE = "This form was already sent: this is the invitation it created (no new patient)."
REPEAT_NO_CODE = ("This form was already sent, so no new patient was created. Its QR code "
                  "cannot be shown again here; to give the patient a new link, send "
                  "/invite <patient id> to the bot.")
UNKNOWN_OUTCOME = "Look for the patient under Patients."
STATES = {
    "waiting": "Waiting for the patient to scan the code and say yes…",
    "held": "The phone that scanned it is already another patient's chat: staff are asked in "
            "the staff chat to add this procedure to that patient or keep them apart.",
    "apart": "Kept apart from the patient whose chat scanned it: this invitation still "
             "waits; /invite <patient id> in the bot makes a new link.",
    "joined": "Joined: the patient said yes and their care has started.",
    "closed": "This invitation was cancelled.",
    "unknown": "No such invitation.",
}


def qr_svg(link: str) -> Markup:
    """The invite link's QR code as inline SVG that scales to its box (segno, as bot/qr.py
    makes the PNG). segno writes only numbers and fixed names into it, never the link."""
    code = segno.make(link, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr-code",
                          lineclass=None, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - numbers and fixed names only


class EnrollHandler(Page):
    """GET: the form, with a one-time token; POST: enroll once per token (a second send of
    the same form, a double click or back-and-resend, shows what the first made)."""

    def get(self) -> None:
        self._form()

    def _form(self, problem: str | Markup = "", status: int = 200) -> None:
        self.set_status(status)
        protocols = sorted(
            (p.id, p.name.get(self.ctx.settings.clinic.default_language))
            for p in self.ctx.content.protocols.values()
        )
        self.show("enroll.html", title="Enroll", active="enroll", protocols=protocols,
                  problem=problem, form_token=new_form_token(),
                  form={k: self.field(k) for k in ("protocol", "when", "label")})

    async def post(self) -> None:
        assert self.user is not None
        try:
            made = await enroll_at_desk(
                self.ctx, self.state.recent_invites, form_token=self.field(FORM_FIELD),
                protocol_id=self.field("protocol"), when=self.field("when"),
                label=self.field("label"), staff_id=self.user.user_id,
                now=self.ctx.clock.now(),
            )
        except EnrollmentInputError as error:
            problem = (time_problem_markup(self.ctx, error) if error.reason == "bad_time"
                       else PROBLEMS.get(error.reason, "That could not be enrolled."))
            self._form(problem, status=400)
            return
        note = REPEAT_NOTE if made.repeat else ""
        invite = made.invite
        if invite is None:  # sent before, and this process no longer holds its code
            progress = (await invite_progress(self.ctx, made.enrollment_id)
                        if made.enrollment_id is not None else None)
            self.show("invite_status.html", title="Invitation", active="enroll",
                      progress=progress, note=REPEAT_NO_CODE,
                      text=STATES[progress.state] if progress else UNKNOWN_OUTCOME)
            return
        protocol = self.ctx.content.protocols[invite.protocol_id]
        self.show("enrolled.html", title="Scan to join", active="enroll", invite=invite,
                  qr=qr_svg(invite.link), session=format_session(invite.session_start,
                                                                  self.ctx.zone),
                  protocol_name=protocol.name.get(self.ctx.settings.clinic.default_language),
                  waiting=STATES["waiting"], note=note)


class InviteStatusHandler(Page):
    """GET /console/enroll/<enrollment id>: HTML; with /status: JSON for the polling page."""

    async def get(self, enrollment_id: str, as_json: str | None = None) -> None:
        number = row_id(enrollment_id)  # an id past the database's range: no such invite
        progress = (await invite_progress(self.ctx, number) if number is not None
                    else InviteProgress(state="unknown"))
        if as_json:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"state": progress.state, "text": STATES[progress.state],
                                    "patient_id": progress.patient_id}))
            return
        self.show("invite_status.html", title="Invitation", active="enroll",
                  progress=progress, text=STATES[progress.state], note="")
