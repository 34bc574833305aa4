"""Every text staff see in answer to their commands (English). Alerts: core/texts/alerts.py;
the command menus and help lines: core/texts/commands.py."""

from __future__ import annotations

import html
from collections.abc import Mapping

from core.case_kinds import case_kind
from core.texts.commands import STAFF_COMMANDS, help_lines


def staff_help() -> str:
    """/help for staff: the staff command table's lines (core/texts/commands.py)."""
    return (
        "<b>Staff commands</b>\n"
        + help_lines(STAFF_COMMANDS, "en")
        + "\nReply to an alert in the staff chat to answer the patient."
    )


NOT_STAFF = (
    "Sorry, this command is for clinic staff only. "
    "If you are a patient, please use the invite link the clinic gave you."
)
NOT_ADMIN = "Sorry, only admins can manage staff."
WRONG_CHAT = (
    "Staff commands work in a private chat with me or in the staff group, so that patient "
    "labels and invite links stay there."
)
NOTHING_CHANGED = "Nothing was changed."
EDIT_NOT_APPLIED = "Edits are not applied: send the command or reply again as a new message."

# --- /enroll ---------------------------------------------------------------------------
ENROLL_USAGE = (
    "Usage: <code>/enroll &lt;procedure&gt; [time] [label…]</code>\n"
    "The procedure by its id or a word of it (<code>face</code>); the time in clinic time "
    "({zone}), e.g. <code>next monday 10:30</code>, <code>tomorrow 11</code>, "
    "<code>15/12/2026 10:00</code>; without it the session is now.\n"
    "Procedures: {protocols}\n"
    "Or send /enroll alone for a guided enrollment."
)
ENROLL_UNKNOWN_PROTOCOL = (
    "Unknown procedure <code>{given}</code>: nothing was created. Procedures: {protocols}"
)
ENROLL_DID_YOU_MEAN = (
    "Unknown procedure <code>{given}</code>: nothing was created. Did you mean "
    "<code>{suggestion}</code> ({name})? Send the command again with it."
)
ENROLL_WHICH_PROTOCOL = (
    "<code>{given}</code> could be {candidates}: nothing was created. Type more of the id."
)
ENROLL_BAD_TIME = "{problem} Nothing was created.\n{hint}"
ENROLL_BAD_TIME_AGAIN = "{problem} Type it again (or /cancel_enroll).\n{hint}"
ENROLL_LABEL_FIRST = (
    "If those words begin the label, write the time first, or now: "
    "<code>/enroll {protocol} now {rest}</code>"
)
ENROLL_FAR_TIME = "That date is more than a year away from today; please check it. {hint}"
# The ways to type a session time (core/session_time.py), for every reply to one that
# could not be read, in the bot and the console.
TIME_FORMS = (
    "<code>next monday 10:30</code>, <code>friday 5pm</code>, <code>tomorrow 11</code>, "
    "<code>in 2 days 10am</code>, <code>today 16:30</code>, YYYY-MM-DD HH:MM, "
    "{day_form} HH:MM, or a time alone for today (<code>16:30</code>, <code>4pm</code>)"
)
TIME_HINT = (
    "Type the session like " + TIME_FORMS + ", in clinic time ({zone}); e.g. "
    "<code>{example}</code>."
)
# Why a typed time was refused (core.session_time.SessionTimeError.reason); {words} is
# what it was about, escaped.
TIME_PROBLEMS = {
    "bad": "I could not read “{words}” as a time.",
    "unread": "I could not read “{words}” as a time.",
    "far_time": "That date is more than a year away from today; please check it.",
    "no_time": "“{words}” needs a time of day too (e.g. <code>{words} 10:30</code>).",
    "ambiguous_hour": (
        "“{words}” could be morning or evening: write <code>{words}am</code>, "
        "<code>{words}pm</code> or the 24-hour time."
    ),
    "ambiguous_day": (
        "Is the day in “{words}” part of the time, or the start of the label? Put the day "
        "first (<code>monday 10:00 …</code>), or <code>today</code> before the time."
    ),
    "number_first": (
        "Is “{words}” the hour or the start of the label? Write the hour as "
        "<code>{words}:00</code>, <code>{words}am</code> or <code>{words}pm</code>."
    ),
}


def time_problem(reason: str, words: str) -> str:
    """Why a typed time was refused, as safe HTML (`words` escaped here)."""
    template = TIME_PROBLEMS.get(reason) or TIME_PROBLEMS["bad"]
    return template.format(words=html.escape(words.strip() or "that"))


ENROLL_LABEL_TOO_LONG = "The label is too long ({length} characters; at most {limit})."
ENROLL_PICK_PROTOCOL = "Which procedure? (send /cancel_enroll to stop)"
ENROLL_PICK_TIME = (
    "<b>{protocol}</b>. When is (or was) the session? Pick one, or type "
    "it (e.g. <code>{example}</code>, <code>tomorrow 10am</code>) in clinic time ({zone}). "
    "\"skip\" means now."
)
ENROLL_NOW_BUTTON = "Now"
ENROLL_TODAY_BUTTON = "Today {time}"
ENROLL_TOMORROW_BUTTON = "Tomorrow {time}"
ENROLL_ASK_LABEL = (
    "Session: {session}. Now type a label for the patient (a name or file number, "
    "only staff see it), or \"skip\"."
)
ENROLL_CANCELLED = "Enrollment cancelled; nothing was created."
ENROLL_TIMED_OUT = "The enrollment timed out; nothing was created. Send /enroll to start again."
ENROLL_DONE = (
    "Patient <b>#{patient_id}</b>{label} enrolled on <b>{protocol}</b>, session {session}.\n"
    "Send the patient this link (single use, valid until {expires}):\n{link}"
)
ENROLL_ALREADY_DONE = (
    "This message was already handled before a restart: it created patient #{patient_id}. "
    "If the link did not reach you, <code>/invite {patient_id}</code> makes a new one."
)
ENROLL_QR_CAPTION = "Invite for patient #{patient_id}: scan with the phone camera."
ENROLL_STALE_BUTTON = "This enrollment is no longer in progress. Send /enroll to start again."

# --- patients ----------------------------------------------------------------------------
PATIENTS_NONE = "No patients yet. Use /enroll to add one."
PATIENTS_HEADER = "<b>Patients</b> (newest first, page {page}; times in clinic time, {zone})"
PATIENTS_FOUND = (
    "<b>Patients</b> whose label contains “{search}” (newest first, page {page}; times in "
    "clinic time, {zone})"
)
PATIENTS_NOT_FOUND = "No patient's label contains “{search}”."
PATIENTS_PAST_END = "There is no page {page}: the list ends earlier. /patients shows page 1."
PATIENT_OWN_TIME = " ({time} {zone} for the patient)"
PATIENTS_MORE = "More: /patients {next_page}"
PATIENT_LINE = "#{id} {label} · {protocol} · {status} · next: {next}"
PATIENT_NO_LABEL = "(no label)"
PATIENT_USAGE = "Usage: <code>/patient &lt;id&gt;</code> (the number from /patients)"
PATIENT_NOT_FOUND = "No patient #{id}."
PATIENT_HEADER = (
    "<b>Patient #{id}</b> {label}\nStatus: {status} · language {language} · zone {zone}"
)
PATIENT_ENROLLMENT = (
    "\n<b>{protocol}</b> (enrollment {id}, {status}), session {number}: {session}"
)
PATIENT_TIMES = "All times below are in the patient's zone, {zone}."
PATIENT_MERGED = (
    "Its invitation was accepted in patient #{id}'s chat and, on staff's decision, its "
    "procedure was added to patient #{id}: see /patient {id}."
)
PATIENT_MESSAGE = "{time} · {step}{occurrence} · {status}{attempts}"
PATIENT_NO_MESSAGES = "No messages planned yet (the patient has not accepted the invite)."
PATIENT_SUPERSEDED = "cancelled, superseded by session {number}"

CANCEL_USAGE = "Usage: <code>/cancel &lt;id&gt;</code> (the patient number from /patients)"
CANCEL_CONFIRM = (
    "Cancel the care of patient <b>#{id}</b> {label}?\n"
    "{procedures}: {pending} message(s) still to go out will not be sent. {told}\n"
    "It can be undone for a day."
)
CANCEL_TELLS = "The patient is told their reminders were cancelled."
CANCEL_UNTOLD = "The patient has not joined, so nobody is told; their invite link stops working."
CANCEL_BUTTON_YES = "Yes, cancel care"
CANCEL_BUTTON_NO = "No, keep it"
CANCEL_BUTTON_UNDO = "↩️ Undo"
CANCEL_KEPT = "Kept: patient #{id}'s care was not cancelled."
CANCEL_DONE = (
    "Patient #{id}: care cancelled ({enrollments} enrollment(s), {messages} pending "
    "message(s)). {told}\nUndo until {until}: the button, or <code>/undo {id}</code>."
)
CANCEL_DONE_TOLD = "The patient is being told."
CANCEL_DONE_UNTOLD = "Nobody is told (the patient had not joined)."
CANCEL_NOTHING = "Patient #{id} has nothing to cancel (status: {status})."
UNDO_USAGE = (
    "Usage: <code>/undo</code> (your latest cancel) or <code>/undo &lt;id&gt;</code> "
    "(that patient's), within a day of the cancel."
)
UNDO_DONE = (
    "Patient #{id}: the cancel is undone. {enrollments} enrollment(s) back, {planned} "
    "message(s) planned again from now{told}."
)
UNDO_TOLD = "; the patient is told their reminders are back on"
UNDO_PROBLEMS = {
    "none": "There is no cancel to undo{whose}.",
    "too_late": (
        "The cancel of patient #{id} is more than a day old and can no longer be undone: "
        "<code>/session {id}</code> starts their care again with a new session."
    ),
    "changed": (
        "Patient #{id} has had a new session or invitation since the cancel, so it is not "
        "undone (that would make two plans). See <code>/patient {id}</code>."
    ),
    "gone": "Patient #{id} has stopped messages or erased their data since: nothing to undo.",
}

RESCHEDULE_USAGE = (
    "Usage: <code>/reschedule &lt;id&gt; &lt;time&gt;</code>, the time like " + TIME_FORMS
    + " (clinic time, {zone})"
)
RESCHEDULE_NO_ENROLLMENT = "Patient #{id} has no enrollment that can be rescheduled."
RESCHEDULE_DONE = (
    "Patient #{id}: session moved to {session}. {pending} message(s) re-planned; "
    "{kept} already sent or finished stay as they are."
)

STATS = (
    "<b>Stats</b> (at {now})\n"
    "Patients: {patients}\n"
    "Messages: {messages}\n"
    "Due now (backlog): {backlog}\n"
    "Failed in the last 24 h: {failed_24h}\n"
    "Open escalations: {open_escalations}"
    "{cases}"
    "{course}"
)
STATS_COURSE = (
    "\n<b>Reach</b>: invited {invited} → joined {joined} → active {active} → completed "
    "{completed}\n"
    "<b>Courses</b>: completed {courses_completed}, dropped {dropped}{lapsed}, going on "
    "{going}\n"
    "<b>Satisfaction</b> (last 6 months): {satisfaction}"
)
STATS_CASES = (
    "\n<b>Cases</b> (kind: opened / acknowledged / resolved)\n{by_kind}\n"
    "Open now: {open_now}\n"
    "Time to acknowledge: median {median}, p90 {p90}"
)
STATS_CASE_KIND = "  {kind}: {opened} / {acknowledged} / {resolved}"


def stats_course(
    *, invited: int, joined: int, active: int, completed: int, courses_completed: int,
    dropped: int, lapsed: int, going: int, average: float | None, answered: int,
    rate: float | None,
) -> str:
    """The /stats block about reach, courses and satisfaction."""
    if average is None:
        satisfaction = "no answers yet"
    else:
        shown = "—" if rate is None else f"{rate:.0%}"
        satisfaction = f"average {average:.1f} of 5 from {answered} answer(s), response {shown}"
    return STATS_COURSE.format(
        invited=invited, joined=joined, active=active, completed=completed,
        courses_completed=courses_completed, dropped=dropped,
        lapsed=f" (of which lapsed {lapsed})" if lapsed else "", going=going,
        satisfaction=satisfaction,
    )


def duration(seconds: float | None) -> str:
    """A wait as staff read it: "45 s", "12 min", "3.5 h"; "—" when there is none."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def stats_cases(
    opened: dict[str, int], acknowledged: dict[str, int], resolved: dict[str, int],
    open_now: int, median: float | None, p90: float | None,
) -> str:
    """The /stats block about cases (empty when there never was one)."""
    if not opened:
        return ""
    by_kind = "\n".join(
        STATS_CASE_KIND.format(kind=case_label(kind), opened=count,
                               acknowledged=acknowledged.get(kind, 0),
                               resolved=resolved.get(kind, 0))
        for kind, count in sorted(opened.items())
    )
    return STATS_CASES.format(by_kind=by_kind, open_now=open_now, median=duration(median),
                              p90=duration(p90))

STAFF_USAGE = (
    "Usage: <code>/staff add @username</code> or <code>/staff add &lt;user-id&gt;</code>, "
    "<code>/staff remove @username|&lt;user-id&gt;</code>, or <code>/staff list</code> "
    "(anyone can learn their id with /myid)"
)
STAFF_LIST = "<b>Staff</b>\nAdmins (settings file): {admins}\nStaff added with /staff add: {staff}"
STAFF_ADDED = "{who} is now staff."
STAFF_ALREADY = "{who} is already staff."
STAFF_REMOVED = "{who} is no longer staff."
STAFF_NOT_FOUND = "{who} is not (or no longer) staff."
STAFF_IS_ADMIN = "{who} is an admin from the settings file; remove them there."
STAFF_UNSEEN = (
    "I have not seen {username} yet, so I do not know their user id. Ask them to send "
    "/myid to me in a private chat (or to write in the staff group), then try again; or "
    "use the number /myid tells them: <code>/staff add &lt;user-id&gt;</code>."
)


def staff_roster(user_ids: list[int], names: Mapping[int, str]) -> str:
    """/staff list's line: each member by name with their id (for /staff remove)."""
    return ", ".join(
        f"{html.escape(names[user_id])} · <code>{user_id}</code>" if user_id in names
        else f"<code>{user_id}</code>"
        for user_id in user_ids
    ) or "—"


# --- relay -------------------------------------------------------------------------------
RELAY_ALREADY = (
    "This reply to patient #{patient_id} was handled before a restart and is not sent "
    "twice. If you did not see \"Sent\" for it, it may not have arrived: send it again."
)
RELAY_SENT = "Sent to patient #{patient_id}."
RELAY_SENT_PARTS = "Sent to patient #{patient_id}, whole, in {parts} messages (in order)."
RELAY_PARTIAL = (
    "Only {sent} of {parts} messages reached patient #{patient_id}: Telegram refused the "
    "rest ({reason}). Send the rest again."
)
RELAY_NO_PATIENT = (
    "This answers no patient, so nothing was sent. To answer a patient, reply to their "
    "case's card or post, or write in their topic."
)
RELAY_UNDELIVERABLE = (
    "Not delivered: patient #{patient_id} has stopped messages, blocked the bot or "
    "erased their data."
)
RELAY_FAILED = "Not delivered to patient #{patient_id}: Telegram refused ({reason})."
RELAY_REFUSED = "Only clinic staff can answer patients."
RELAY_EMPTY = (
    "Only text, photos, videos, documents, voice notes and stickers reach the patient; "
    "this was not sent."
)

# --- /myid (anyone) ------------------------------------------------------------------------
MYID_USER = "Your Telegram user id: <code>{user_id}</code> (for <code>staff.admin_ids</code>)."
MYID_CHAT = (
    "This chat's id: <code>{chat_id}</code> (for <code>staff.alert_chat_id</code>, the "
    "staff group that gets alerts)."
)

# --- /session ------------------------------------------------------------------------------
SESSION_USAGE = (
    "Usage: <code>/session &lt;id&gt; [time]</code>: a session of the patient's procedure "
    "done now or at a past time (time as for /enroll, default now): its care starts, the "
    "earlier session's pending messages are cancelled as superseded. A future time (e.g. "
    "<code>next monday 10:30</code>) books the session: its pre-care goes out and the "
    "patient is asked to confirm it. <code>/session &lt;id&gt; noshow</code> records a "
    "booked session as missed."
)
SESSION_NOT_FOUND = "No patient #{id}."
SESSION_CANCELLED_BEFORE_JOINING = (
    "Patient #{id}'s invitation was cancelled before they joined, so there is no plan to "
    "start again: <code>/undo {id}</code> brings the invitation back (within a day of the "
    "cancel), or /enroll makes a new one."
)
SESSION_RESUMED = "Their care had been cancelled: it starts again with this session."
SESSION_NOT_JOINED = (
    "Patient #{id} has not joined yet (or has stopped): there is no plan to replace. "
    "Use /reschedule to move the invited session."
)
SESSION_DONE = (
    "Patient #{id}: session {number} on {session}. {planned} message(s) planned; "
    "{superseded} pending from the earlier session cancelled as superseded."
)
SESSION_BOOKED = (
    "Patient #{id}: session {number} booked for {session}. {planned} message(s) planned: its "
    "pre-care and, {hours} h before, a request to confirm. Today in the console shows "
    "whether they confirmed; record it with <code>/session {id}</code> when it is done."
)
SESSION_BOOKING_DONE = (
    "Patient #{id}: booked session {number} recorded as done ({session}); its aftercare has "
    "started ({planned} message(s) planned), {superseded} pending from the earlier session "
    "cancelled as superseded."
)
SESSION_NO_SHOW = (
    "Patient #{id}: the session booked for {session} is recorded as missed; its pending "
    "messages are cancelled. If nothing else is booked, the patient is asked about the "
    "next one."
)
SESSION_NO_BOOKING = "Patient #{id} has no booked session to record."
NO_SHOW_WORDS = frozenset({"noshow", "no-show", "missed"})

# --- /invite -------------------------------------------------------------------------------
INVITE_USAGE = (
    "Usage: <code>/invite &lt;id&gt;</code>: a new invite link for a patient who has not "
    "joined yet (the old link stops working)."
)
INVITE_NOT_INVITED = (
    "Patient #{id} is not waiting to join (no such patient, already joined, or cancelled)."
)

# --- /console ------------------------------------------------------------------------------
CONSOLE_LINK = (
    "Your sign-in link to the staff console (single use, valid {minutes} minutes):\n{url}\n"
    "Do not forward it: whoever opens it is signed in as you."
)
CONSOLE_PRIVATE_ONLY = "Send /console in a private chat with me: a sign-in link is personal."
CONSOLE_OFF = "The staff console is not set up (console.url in settings.toml)."

# --- cases (/cases, /case, card buttons) ------------------------------------------------
CASES_NONE = "No open cases. 🎉"
CASES_HEADING = "<b>Open cases</b> ({count}), oldest first:"
CASES_LINE = "#{id} · {kind} · patient #{patient} · {age} · {holder}"
CASES_MORE = "…and more: resolve some, or see the console."
CASE_USAGE = "Usage: <code>/case &lt;id&gt;</code> (the number after # on a card or in /cases)"
CASE_NOT_FOUND = "There is no case #{id}."
CASE_HEADING = "<b>Case #{id}</b> · {kind} · {status} · opened {opened}"
CASE_MESSAGES = "<b>Later messages</b> ({count}):"
CASE_MESSAGE_LINE = "{at} · {kind}: <blockquote>{words}</blockquote>"
CASE_REFUSED = "Only clinic staff can act on cases."
CASE_UNKNOWN = "That case no longer exists."
CASE_DONE = {"acknowledge": "Acknowledged.", "resolve": "Resolved.", "assign": "It is yours."}
CASE_UNCHANGED = "Nothing to change: the case is {status}."


def case_taken(*, action: str, status: str, me: int | None, acknowledged_by: int | None,
               resolved_by: int | None, assigned_to: int | None, closed_reason: str | None,
               names: Mapping[int, str] | None = None) -> str:
    """Why an action changed nothing: someone was first (compare-and-set), and who, by
    name (plain text: a button's answer is not HTML)."""
    if status == "resolved":
        if closed_reason == "erased":
            return "Already closed: the patient erased their data."
        return f"Already resolved by {_who(resolved_by, me, names)}."
    if action == "assign" and assigned_to is not None:
        return ("It is already yours." if assigned_to == me
                else f"Already assigned to {_who(assigned_to, me, names)}.")
    if status == "acknowledged":
        return f"Already acknowledged by {_who(acknowledged_by, me, names)}."
    return CASE_UNCHANGED.format(status=status)


def _who(user_id: int | None, me: int | None, names: Mapping[int, str] | None) -> str:
    if user_id is None:
        return "the team"
    return "you" if user_id == me else staff_member(user_id, names or {})
def case_label(kind: str) -> str:
    """A case's kind as lists show it ("🚨 red flag"): core/case_kinds.py."""
    return case_kind(kind).label


def case_age(seconds: float) -> str:
    """How long a case has waited: "5 min", "3 h", "2 d"."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def person(name: str, username: str | None) -> str:
    """How a staff member is shown, plain text: "Anita (@anita_k)", "Anita", "@anita_k"
    ("" when Telegram gave neither)."""
    name = " ".join(name.split())
    if name and username:
        return f"{name} (@{username})"
    return name or (f"@{username}" if username else "")


def staff_member(user_id: int, names: Mapping[int, str]) -> str:
    """A staff member by name (plain text); "user #1002" only for someone the bot has
    never seen write (before names were noted)."""
    return names.get(user_id) or f"user #{user_id}"


def named_user(user_id: int, names: Mapping[int, str]) -> str:
    """A user with their id, safe HTML: "Anita (@anita_k), user 2000" or "User 2000"."""
    name = names.get(user_id)
    return f"{html.escape(name)}, user {user_id}" if name else f"User {user_id}"


def case_holder(status: str, acknowledged_by: int | None, assigned_to: int | None,
                names: Mapping[int, str] | None = None) -> str:
    """Who holds a case, for /cases (safe HTML)."""
    known = names or {}
    if assigned_to is not None:
        return f"held by {html.escape(staff_member(assigned_to, known))}"
    if status == "acknowledged" and acknowledged_by is not None:
        return f"acknowledged by {html.escape(staff_member(acknowledged_by, known))}"
    return "<b>nobody yet</b>"
