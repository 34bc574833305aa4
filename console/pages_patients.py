"""Patients: search, a patient's page (plan, check-ins, cases, history), and its actions:
cancel, reschedule, new session (staff), export (admins)."""

from __future__ import annotations

from markupsafe import Markup

from console.pages_course import BOOKING_DONE, BOOKING_STATES
from console.web import Page, time_problem_markup
from core.records import row_id
from services import console_patients as patients
from services.console_config import CONSOLE_PATH
from services.console_course import course_view
from services.enrollment import EnrollmentInputError

DONE = {
    "cancelled": "Care cancelled: nothing more will be sent. It can be undone for a day.",
    "cancelled_told": "Care cancelled: the patient is being told, and nothing else will be "
                      "sent. It can be undone for a day.",
    "undone": "The cancel is undone: the care is back as it was, planned again from now.",
    "undone_told": "The cancel is undone: the care is back, planned again from now, and the "
                   "patient is told their reminders are back on.",
    "nothing": "There was no live plan to cancel.",
    "rescheduled": "Session moved; pending messages re-planned.",
    "session": "New session recorded; its care has started.",
    "booked": "Session booked: its pre-care goes out, and the patient is asked to confirm it.",
}
# Why a course ended, as staff read it.
COURSE_ENDS = {"sessions": "all sessions done", "patient": "the patient said they finished",
               "stopped": "the patient stopped the messages", "cancelled": "care cancelled",
               "erased": "the patient erased their data"}
SESSION_PROBLEMS = {
    "no_patient": "There is no such patient.",
    "not_joined": "The patient has not joined yet: reschedule the invited session instead.",
    "cancelled_before_joining": "The invitation was cancelled before the patient joined: "
                                "undo the cancel (within a day), or enroll them again.",
}
UNDO_PROBLEMS = {
    "none": "There is no cancel to undo.",
    "too_late": "The cancel is more than a day old: record a new session instead.",
    "changed": "There has been a new session or invitation since the cancel: not undone.",
    "gone": "The patient has stopped messages or erased their data since: nothing to undo.",
}


class PatientsHandler(Page):
    async def get(self) -> None:
        wanted = patients.clean_search(
            self.get_query_argument("q", ""), self.get_query_argument("protocol", ""),
            self.get_query_argument("status", ""), self.get_query_argument("before", ""),
            self.get_query_argument("after", ""), protocols=set(self.ctx.content.protocols),
        )
        result = await patients.search(self.ctx, wanted)
        self.show("patients.html", title="Patients", active="patients", result=result,
                  protocols=sorted(self.ctx.content.protocols),
                  statuses=patients.STATUS_FILTERS)


class PatientHandler(Page):
    async def get(self, patient_id: str) -> None:
        done = DONE.get(self.get_query_argument("done", ""), "") or BOOKING_DONE.get(
            self.get_query_argument("booking", ""), "")
        await self.show_patient(row_id(patient_id), notice=done)

    async def show_patient(self, patient_id: int | None, *, notice: str = "",
                           problem: str | Markup = "", status: int = 200,
                           typed: dict[str, str] | None = None) -> None:
        """The patient's page; `typed`: what a refused form held, shown in it again; 404
        for an id no patient has (one past the database's range is never looked up)."""
        found = None if patient_id is None else await patients.timeline(self.ctx, patient_id,
                                                                        now=self.ctx.clock.now())
        if found is None or patient_id is None:
            self.set_status(404)
            self.show("message.html", title="Not found", text="There is no such patient."
                      if patient_id is None else f"There is no patient #{patient_id}.")
            return
        self.set_status(status)
        zone = patients.patient_zone_of(self.ctx, found.patient)
        self.show("patient.html", title=f"Patient #{patient_id}", active="patients", t=found,
                  patient_zone=zone, notice=notice, problem=problem, typed=typed or {},
                  course=await course_view(self.ctx, patient_id),
                  booking_states=BOOKING_STATES, course_ends=COURSE_ENDS)


class PatientActionHandler(PatientHandler):
    """POST /console/patients/<id>/<action>; every change is audited by its service."""

    async def post(self, patient_id: str, action: str) -> None:
        assert self.user is not None
        number, staff = row_id(patient_id), self.user.user_id
        if number is None:
            await self.show_patient(None)
            return
        if action == "export":
            await self._export(number)
            return
        try:
            notice = await self._act(number, action, staff)
        except EnrollmentInputError as error:
            await self.show_patient(number, problem=time_problem_markup(self.ctx, error),
                                    status=400, typed={action: self.field("when")})
            return
        if notice.startswith("!"):
            await self.show_patient(number, problem=notice[1:], status=400,
                                    typed={action: self.field("when")})
            return
        self.redirect(f"{CONSOLE_PATH}/patients/{number}?done={notice}", status=303)

    async def _act(self, patient_id: int, action: str, staff: int) -> str:
        """A DONE code, or "!" and a problem (then nothing changed)."""
        when = self.field("when")
        if action == "cancel":
            cancelled = await patients.cancel(self.ctx, patient_id, staff_id=staff,
                                              now=self.ctx.clock.now())
            if cancelled is None:
                return "!There is no such patient."
            if not cancelled.enrollments:
                return "nothing"
            return "cancelled_told" if cancelled.notify_chat_id is not None else "cancelled"
        if action == "undo":
            undone = await patients.undo(self.ctx, patient_id, staff_id=staff,
                                         now=self.ctx.clock.now())
            if undone.outcome != "ok":
                return "!" + UNDO_PROBLEMS.get(undone.outcome, UNDO_PROBLEMS["none"])
            return "undone_told" if undone.told else "undone"
        if action == "reschedule":
            moved = await patients.reschedule(self.ctx, patient_id, when, staff_id=staff,
                                              now=self.ctx.clock.now())
            if moved is None:
                return "!Nothing to reschedule: the patient has no live plan."
            return "rescheduled"
        done = await patients.record_session(self.ctx, patient_id, when, staff_id=staff,
                                             now=self.ctx.clock.now())
        if done.problem is not None:
            return "!" + SESSION_PROBLEMS.get(done.problem, "No new session recorded.")
        return "booked" if done.booked else "session"

    async def _export(self, patient_id: int) -> None:
        if not await self.require_admin("patient.export"):
            return
        assert self.user is not None
        data = await patients.export(self.ctx, patient_id, staff_id=self.user.user_id,
                                     now=self.ctx.clock.now())
        if data is None:
            await self.show_patient(patient_id)
            return
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Content-Disposition",
                        f'attachment; filename="patient-{patient_id}.json"')
        self.finish(data)
