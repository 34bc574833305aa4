"""Every button's callback_data: the prefixes, how data is built, and Telegram's 64-byte limit.

A button press comes back as a string the client could have forged; handlers match these
prefixes and then check everything they parse against the database.
"""

from __future__ import annotations

import re

from core.records import row_id

LIMIT = 64  # bytes of callback_data Telegram accepts

# Patient buttons
CONSENT_YES = "consent:yes:"  # + invite code [+ ":<language>" the patient picked]
CONSENT_NO = "consent:no:"  # + invite code
CONSENT_LANGUAGE = "consent:lang:"  # + "<language>:<invite code>": show the offer in it
CHECKIN = "ci:"  # + "<message id>:<option id>"
FAQ = "faq:"  # + FAQ entry id
FAQ_GROUP = "faqg:"  # + FAQ group id ("" = back to all groups)
LANGUAGE = "lang:"  # + language code
TIMEZONE = "tz:"  # + IANA zone name
PHOTO = "ph:"  # + "<photo check-in id>:s:<y|n>" or ":p:<0-10>" (services/photo_checkins.py)
OUTCOME_SKIP = "oc:"  # + outcome id: "No, thanks" to the comment (services/course.py)
STOP_YES = "stop:yes"
FORGET_YES = "forget:yes"
KEEP = "keep"

# Staff buttons (/enroll)
ENROLL = "enroll:"
ENROLL_PROTOCOL = "enroll:p:"  # + index into the protocol list
ENROLL_TIME = "enroll:t:"  # + "now" or a Unix time
ENROLL_NOW = ENROLL_TIME + "now"

# Staff buttons (case cards)
CASE = "case:"  # + "<action letter>:<case id>"
CASE_ACTIONS = {"a": "acknowledge", "r": "resolve", "m": "assign"}  # letter -> CaseAction


# Staff buttons (a returning patient's held acceptance): made by services/onboarding.py,
# which queues the question through the outbox: `join:merge:<id>` / `join:apart:<id>`.
JOIN = "join:"
JOIN_DECISIONS = frozenset({"merge", "apart"})


def split_join(data: str) -> tuple[str, int] | None:
    """(decision, join request id) from a returning-patient button, or None."""
    decision, _, number = data.removeprefix(JOIN).partition(":")
    request_id = row_id(number) if number.isdigit() else None
    if decision not in JOIN_DECISIONS or request_id is None:
        return None
    return decision, request_id


# Staff buttons (/cancel): confirm or keep (patient id), undo (cancellation id)
CANCEL = "cancel:"  # + "<y|n|u>:<id>"
CANCEL_ACTIONS = frozenset({"y", "n", "u"})


def cancel(letter: str, number: int) -> str:
    """A /cancel button: `cancel:y:<patient id>`, `cancel:n:<patient id>`,
    `cancel:u:<cancellation id>`."""
    return f"{CANCEL}{letter}:{number}"


def split_cancel(data: str) -> tuple[str, int] | None:
    """(letter, id) from a /cancel button, or None when the data is not one."""
    letter, _, number = data.removeprefix(CANCEL).partition(":")
    number_id = row_id(number) if number.isdigit() else None
    if letter not in CANCEL_ACTIONS or number_id is None:
        return None
    return letter, number_id


def case(letter: str, case_id: int) -> str:
    """A case-card button: `case:<a|r|m>:<case id>` (always fits: a short id)."""
    return f"{CASE}{letter}:{case_id}"


def split_case(data: str) -> tuple[str, int] | None:
    """(action, case id) from a case-card button, or None when the data is not one."""
    letter, _, number = data.removeprefix(CASE).partition(":")
    action = CASE_ACTIONS.get(letter)
    case_id = row_id(number) if number.isdigit() else None
    if action is None or case_id is None:
        return None
    return action, case_id


def pattern(prefix: str) -> str:
    """The CallbackQueryHandler pattern for data starting with `prefix`."""
    return "^" + re.escape(prefix)


def exactly(*values: str) -> str:
    """The CallbackQueryHandler pattern for data equal to one of `values`."""
    return "^(" + "|".join(re.escape(value) for value in values) + ")$"


def fits(data: str) -> bool:
    return len(data.encode()) <= LIMIT


def data_for(prefix: str, value: str) -> str | None:
    """`prefix + value`, or None when it would not fit in a button."""
    data = f"{prefix}{value}"
    return data if fits(data) else None


def checkin(message_id: int, option_id: str) -> str:
    """A check-in answer button: `ci:<message_id>:<option_id>` (may not fit: check `fits`)."""
    return f"{CHECKIN}{message_id}:{option_id}"


def consent_yes(code: str, language: str) -> str:
    """The "Yes" button after the patient picked a language: the code and that language."""
    return f"{CONSENT_YES}{code}:{language}"


def split_consent(data: str, prefix: str) -> tuple[str, str | None]:
    """(code, language or None) from `consent:yes:<code>[:<language>]` (codes have no ":")."""
    code, _, language = data.removeprefix(prefix).partition(":")
    return code, language or None
