"""Every text staff see in answer to their commands (English). Alerts: core/texts/alerts.py;
the command menus and help lines: core/texts/commands.py."""

from __future__ import annotations

from core.texts.alerts import staff_name
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
EDIT_NOT_APPLIED = "Edits are not applied: send the command or reply again as a new message."

# --- /enroll ---------------------------------------------------------------------------
ENROLL_USAGE = (
    "Usage: <code>/enroll &lt;protocol-id&gt; [time] [label…]</code>\n"
    "Time in clinic time ({zone}), e.g. <code>2026-12-15 10:00</code>, "
    "<code>15/12/2026 10:00</code>, <code>tomorrow 10am</code>, <code>16:30</code>; "
    "without it the session is now.\n"
    "Protocols: {protocols}\n"
    "Or send /enroll alone for a guided enrollment."
)
ENROLL_UNKNOWN_PROTOCOL = "Unknown protocol <code>{given}</code>. Valid ids: {protocols}"
ENROLL_BAD_TIME = "That is not a time I understand. {hint}"
ENROLL_FAR_TIME = "That date is more than a year away from today; please check it. {hint}"
TIME_HINT = (
    "Type the session as YYYY-MM-DD HH:MM, {day_form} HH:MM, <code>today 16:30</code>, "
    "<code>tomorrow 10am</code>, or a time alone for today (<code>16:30</code>, "
    "<code>4pm</code>), in clinic time ({zone}); e.g. <code>{example}</code>."
)
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
PATIENT_NO_NEXT = "—"
PATIENT_USAGE = "Usage: <code>/patient &lt;id&gt;</code> (the number from /patients)"
PATIENT_NOT_FOUND = "No patient #{id}."
PATIENT_HEADER = (
    "<b>Patient #{id}</b> {label}\nStatus: {status} · language {language} · zone {zone}"
)
PATIENT_ENROLLMENT = (
    "\n<b>{protocol}</b> (enrollment {id}, {status}), session {number}: {session}"
)
PATIENT_TIMES = "Times in the patient's zone ({zone})."
PATIENT_MESSAGE = "{time} · {step}{occurrence} · {status}{attempts}"
PATIENT_NO_MESSAGES = "No messages planned yet (the patient has not accepted the invite)."
PATIENT_SUPERSEDED = "cancelled, superseded by session {number}"

CANCEL_USAGE = "Usage: <code>/cancel &lt;id&gt;</code> (the patient number from /patients)"
CANCEL_DONE = (
    "Patient #{id}: {enrollments} enrollment(s) cancelled, "
    "{messages} pending message(s) cancelled."
)
CANCEL_NOTHING = "Patient #{id} has nothing to cancel."

RESCHEDULE_USAGE = (
    "Usage: <code>/reschedule &lt;id&gt; &lt;time&gt;</code>, time as YYYY-MM-DD HH:MM, "
    "{day_form} HH:MM or <code>tomorrow 10am</code> (clinic time, {zone})"
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
)
STATS_CASES = (
    "\n<b>Cases</b> (kind: opened / acknowledged / resolved)\n{by_kind}\n"
    "Open now: {open_now}\n"
    "Time to acknowledge: median {median}, p90 {p90}"
)
STATS_CASE_KIND = "  {kind}: {opened} / {acknowledged} / {resolved}"


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
        STATS_CASE_KIND.format(kind=CASE_KINDS.get(kind, kind), opened=count,
                               acknowledged=acknowledged.get(kind, 0),
                               resolved=resolved.get(kind, 0))
        for kind, count in sorted(opened.items())
    )
    return STATS_CASES.format(by_kind=by_kind, open_now=open_now, median=duration(median),
                              p90=duration(p90))

STAFF_USAGE = (
    "Usage: <code>/staff add &lt;user-id&gt;</code>, <code>/staff remove &lt;user-id&gt;</code> "
    "or <code>/staff list</code> (anyone can learn their id with /myid)"
)
STAFF_LIST = (
    "<b>Staff</b>\nAdmins (settings file): {admins}\nStaff added with /staff add: {staff}"
)
STAFF_ADDED = "User {user_id} is now staff."
STAFF_ALREADY = "User {user_id} is already staff."
STAFF_REMOVED = "User {user_id} is no longer staff."
STAFF_NOT_FOUND = "User {user_id} is not (or no longer) staff."
STAFF_IS_ADMIN = "User {user_id} is an admin from the settings file; remove them there."

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
    "Usage: <code>/session &lt;id&gt; [time]</code>: a new session of the patient's procedure "
    "(time as for /enroll, default now). Its care starts; the earlier session's pending "
    "messages are cancelled as superseded."
)
SESSION_NOT_FOUND = "No patient #{id}."
SESSION_NOT_JOINED = (
    "Patient #{id} has not joined yet (or has stopped): there is no plan to replace. "
    "Use /reschedule to move the invited session."
)
SESSION_DONE = (
    "Patient #{id}: session {number} on {session}. {planned} message(s) planned; "
    "{superseded} pending from the earlier session cancelled as superseded."
)

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
               resolved_by: int | None, assigned_to: int | None,
               closed_reason: str | None) -> str:
    """Why an action changed nothing: someone was first (compare-and-set), and who."""
    if status == "resolved":
        if closed_reason == "erased":
            return "Already closed: the patient erased their data."
        return f"Already resolved by {_who(resolved_by, me)}."
    if action == "assign" and assigned_to is not None:
        return ("It is already yours." if assigned_to == me
                else f"Already assigned to {_who(assigned_to, me)}.")
    if status == "acknowledged":
        return f"Already acknowledged by {_who(acknowledged_by, me)}."
    return CASE_UNCHANGED.format(status=status)


def _who(user_id: int | None, me: int | None) -> str:
    return "you" if user_id is not None and user_id == me else staff_name(user_id)
CASE_KINDS = {
    "red_flag": "🚨 red flag", "checkin": "⚠️ check-in", "handoff": "❓ question",
    "delivery": "📮 delivery",
}


def case_age(seconds: float) -> str:
    """How long a case has waited: "5 min", "3 h", "2 d"."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def case_holder(status: str, acknowledged_by: int | None, assigned_to: int | None) -> str:
    """Who holds a case, for /cases."""
    if assigned_to is not None:
        return f"held by {assigned_to}"
    if status == "acknowledged":
        return f"acknowledged by {acknowledged_by}"
    return "<b>nobody yet</b>"
