"""A course of treatment at the desk: a booked session recorded as done or missed (from Today
or the patient's page), a new invite link and QR code for someone who has not joined, a
patient's check-in photo streamed from Telegram, and the clinic's day as a calendar file."""

from __future__ import annotations

import contextlib
import re
from datetime import date

from console.pages_enroll import STATES, qr_svg
from console.web import Page
from core.local_time import format_session
from services import console_course
from services.console_config import CONSOLE_PATH
from services.context import FileUnavailable
from services.sessions import record_booking

BOOKING_DONE = {
    "done": "Session recorded as done: its aftercare has started.",
    "noshow": "Session recorded as missed. If nothing else is booked, the patient is asked "
              "about the next one.",
    "gone": "That session was already recorded (or is no longer booked).",
}
# How a booked session's state reads on Today and the patient's page.
BOOKING_STATES = {
    "booked": "not confirmed", "confirmed": "confirmed",
    "change_requested": "asked to change", "done": "done", "no_show": "no-show",
    "cancelled": "cancelled",
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BookingActionHandler(Page):
    """POST /console/bookings/<id>/(done|noshow): the bot's own use case (audited there);
    back to the page the form came from (Today, or the patient's page)."""

    async def post(self, booking_id: str, action: str) -> None:
        assert self.user is not None
        patient = self.field("patient")
        owner = int(patient) if patient.isascii() and patient.isdigit() and len(patient) < 12 \
            else None
        result = await record_booking(self.ctx, int(booking_id), done=action == "done",
                                      staff_id=self.user.user_id, patient_id=owner,
                                      now=self.ctx.clock.now())
        outcome = "gone" if result.problem else action
        if owner is not None:
            self.redirect(f"{CONSOLE_PATH}/patients/{owner}?booking={outcome}", status=303)
            return
        self.redirect(f"{CONSOLE_PATH}/?booking={outcome}", status=303)


class InviteAgainHandler(Page):
    """POST /console/patients/<id>/invite: a new link and QR code for a patient who has not
    joined (the earlier link stops working), shown large for the desk."""

    async def post(self, patient_id: str) -> None:
        assert self.user is not None
        invite = await console_course.invite_again(self.ctx, int(patient_id),
                                                   staff_id=self.user.user_id,
                                                   now=self.ctx.clock.now())
        if invite is None:
            self.set_status(400)
            self.show("message.html", title="No invitation",
                      text="This patient has already joined, or has no invitation to renew.")
            return
        protocol = self.ctx.content.protocols.get(invite.protocol_id)
        default = self.ctx.settings.clinic.default_language
        self.show("enrolled.html", title="Scan to join", active="today", invite=invite,
                  qr=qr_svg(invite.link), session=format_session(invite.session_start,
                                                                  self.ctx.zone),
                  protocol_name=protocol.name.get(default) if protocol else invite.protocol_id,
                  waiting=STATES["waiting"],
                  note="A new link: the earlier one no longer works.")


class PhotoHandler(Page):
    """GET /console/patients/<id>/photos/<check-in id>: the photo, fetched from Telegram
    through the bot and streamed on (never stored); audited."""

    async def get(self, patient_id: str, checkin_id: str) -> None:
        assert self.user is not None
        try:
            chunks = await console_course.photo_stream(
                self.ctx, int(patient_id), int(checkin_id), staff_id=self.user.user_id)
        except FileUnavailable:
            self.set_status(502)
            self.show("message.html", title="Photo unavailable", status=502,
                      text="Telegram did not give this photo just now. Try again later.")
            return
        if chunks is None:
            self.set_status(404)
            self.show("message.html", title="Not found", status=404, text="No such photo.")
            return
        self.set_header("Cache-Control", "private, no-store")
        self.set_header("Content-Disposition", "inline")
        typed = False
        try:
            async for chunk in chunks:
                if not typed:  # nosniff is on: say what it is from its first bytes
                    self.set_header("Content-Type", image_type(chunk))
                    typed = True
                self.write(chunk)
                await self.flush()
        finally:
            await chunks.aclose()
        self.finish()


IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"GIF8", "image/gif"))


def image_type(head: bytes) -> str:
    """The image type its first bytes say (Telegram photos are JPEG; WebP is RIFF....WEBP);
    anything else is served as bytes a browser will not render."""
    for magic, kind in IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


class CalendarHandler(Page):
    """GET /console/calendar.ics?day=YYYY-MM-DD: the clinic's booked sessions that day
    (default today, clinic zone) as an iCalendar file."""

    async def get(self) -> None:
        assert self.user is not None
        wanted = self.get_query_argument("day", "")[:10]
        day = self.ctx.clock.now().astimezone(self.ctx.zone).date()
        if DAY.match(wanted):
            with contextlib.suppress(ValueError):  # 2026-02-31: today instead
                day = date.fromisoformat(wanted)
        data = await console_course.day_calendar(self.ctx, day, staff_id=self.user.user_id,
                                                 now=self.ctx.clock.now())
        self.set_header("Content-Type", "text/calendar; charset=utf-8")
        self.set_header("Content-Disposition",
                        f'attachment; filename="sessions-{day.isoformat()}.ics"')
        self.set_header("Cache-Control", "private, no-store")
        self.finish(data)
