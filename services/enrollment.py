"""Enrollment: parse a staff member's request, then create patient, enrollment and invite."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.clock import require_aware
from core.invites import InviteCode, deep_link
from core.protocol_ids import lookup_protocol
from core.sanitize import clean_text
from core.session_time import SessionTimeError, read_leading_time
from core.session_time import parse_session_time as read_session_time
from core.statuses import AuditOutcome, EnrollmentStatus, PatientStatus
from services.context import AppContext
from storage.patient_data import patient_target
from storage.repositories import Store

LABEL_LIMIT = 200
PATIENT_EFFECT = "patient:"  # inbound_updates.effect of an update that created a patient
# A session more than this far from today is almost surely a typo (wrong year).
MAX_SESSION_DISTANCE = timedelta(days=366)
SKIP_WORDS = frozenset({"skip", "-", "none", "now"})


class EnrollmentInputError(ValueError):
    """Staff input that cannot become an enrollment; `reason` picks the reply."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        # usage | unknown_protocol | bad_time | far_time | long_label; bad_time carries the
        # SessionTimeError's `problem` and `words`, unknown_protocol what was `given` and a
        # `suggestion` or `candidates`.
        self.reason = reason
        self.details = details


@dataclass(frozen=True, kw_only=True)
class EnrollmentRequest:
    """A validated request: which protocol, when the session is, and the staff label."""

    protocol_id: str
    session_start: datetime
    label: str | None


@dataclass(frozen=True, kw_only=True)
class NewInvite:
    """What staff get back: the ids, and the code/link (shown once, never stored)."""

    patient_id: int
    enrollment_id: int
    protocol_id: str
    session_start: datetime
    label: str | None
    code: str
    link: str
    expires_at: datetime


def parse_session_time(
    text: str, zone: ZoneInfo, now: datetime, *, date_order: str = "DMY"
) -> datetime:
    """A session time as staff type it (core.session_time) in `zone`; "skip"/"now"/empty
    = now.

    Raises EnrollmentInputError("bad_time") or ("far_time") (over a year from now).
    """
    require_aware(now, "now")
    cleaned = " ".join(text.split())
    if cleaned.lower() in SKIP_WORDS or not cleaned:
        return now
    try:
        moment = read_session_time(cleaned, zone, now, date_order=date_order)
    except SessionTimeError as error:
        raise EnrollmentInputError("bad_time", problem=error.reason, words=error.words) from None
    return _near(moment, now)


def _near(moment: datetime, now: datetime) -> datetime:
    if abs(moment - now) > MAX_SESSION_DISTANCE:
        raise EnrollmentInputError("far_time")
    return moment


def resolve_protocol(typed: str, protocols: Collection[str]) -> str:
    """The protocol id staff meant (the id, a unique start of it, or a unique word of it:
    `face`); EnrollmentInputError("unknown_protocol") with a suggestion or the candidates."""
    found = lookup_protocol(typed, protocols)
    if found.found is None:
        raise EnrollmentInputError("unknown_protocol", given=typed,
                                   suggestion=found.suggestion, candidates=found.candidates)
    return found.found


def check_label(text: str | None) -> str | None:
    """The label as typed (trimmed); "skip"/empty = none; over LABEL_LIMIT chars refused."""
    if text is None:
        return None
    label = clean_text(text).strip()
    if not label or label.lower() in SKIP_WORDS:
        return None
    if len(label) > LABEL_LIMIT:
        raise EnrollmentInputError("long_label", length=len(label), limit=LABEL_LIMIT)
    return label


def parse_enroll_args(
    args: Sequence[str], protocols: Collection[str], zone: ZoneInfo, now: datetime,
    *, date_order: str = "DMY",
) -> EnrollmentRequest:
    """The one-line form: `<protocol> [time] [label…]`.

    The protocol as core.protocol_ids reads it; the leading words that are a session time
    (core.session_time.read_leading_time) are the time, the rest the label. Words that
    may be either, or a time that cannot be read, are refused (EnrollmentInputError
    "bad_time"): nothing is created from a guess.
    """
    if not args:
        raise EnrollmentInputError("usage")
    protocol_id, rest = resolve_protocol(args[0], protocols), list(args[1:])
    try:
        leading = read_leading_time(rest, zone, now, date_order=date_order)
    except SessionTimeError as error:
        raise EnrollmentInputError("bad_time", problem=error.reason, words=error.words,
                                   protocol=protocol_id) from None
    session_start = now if leading.moment is None else _near(leading.moment, now)
    rest = rest[leading.used:]
    label = check_label(" ".join(rest)) if rest else None
    return EnrollmentRequest(protocol_id=protocol_id, session_start=session_start, label=label)


class AlreadyEnrolled(Exception):
    """This very update created a patient before (a replay after a crash)."""

    def __init__(self, patient_id: int) -> None:
        super().__init__(patient_id)
        self.patient_id = patient_id


async def enroll(
    ctx: AppContext, request: EnrollmentRequest, *, staff_id: int | None, now: datetime,
    update_id: int | None = None,
) -> NewInvite:
    """Create the patient (invited), the enrollment (invited) and a single-use invite.

    With `update_id` (the Telegram update that asked), at most once per update: a replay of
    the same update raises AlreadyEnrolled instead of creating a second patient.
    """
    settings = ctx.settings
    if request.protocol_id not in ctx.content.protocols:
        raise EnrollmentInputError("unknown_protocol", given=request.protocol_id)
    invite = InviteCode.new()
    expires_at = now + timedelta(days=settings.invites.ttl_days)
    async with Store(ctx.sessions) as store:
        if update_id is not None:
            done = await store.inbound.effect_of(update_id)
            if done is not None and done.startswith(PATIENT_EFFECT):
                raise AlreadyEnrolled(int(done.removeprefix(PATIENT_EFFECT)))
        patient = await store.patients.create(
            label=request.label,
            language=settings.clinic.default_language,
            timezone=settings.clinic.timezone,
            created_by=staff_id,
            now=now,
        )
        enrollment = await store.enrollments.create(
            patient_id=patient.id,
            protocol_id=request.protocol_id,
            session_start=request.session_start,
            created_by=staff_id,
            now=now,
        )
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash=invite.code_hash, expires_at=expires_at, now=now
        )
        await store.audit.record(
            actor_id=staff_id,
            action="enroll",
            outcome=AuditOutcome.OK,
            target=patient_target(patient.id),
            detail=f"enrollment:{enrollment.id} protocol:{request.protocol_id}",
            now=now,
        )
        if update_id is not None:
            await store.inbound.record_effect(update_id, f"{PATIENT_EFFECT}{patient.id}")
    return NewInvite(
        patient_id=patient.id,
        enrollment_id=enrollment.id,
        protocol_id=request.protocol_id,
        session_start=request.session_start,
        label=request.label,
        code=invite.code,
        link=deep_link(ctx.bot_username, invite.code),
        expires_at=expires_at,
    )


async def reissue_invite(
    ctx: AppContext, patient_id: int, *, staff_id: int | None, now: datetime
) -> NewInvite | None:
    """A new link for a patient who has not joined yet (the first never arrived, or was
    lost): the old unused link stops working, the new one is valid for `invites.ttl_days`.
    None when there is no invited patient with an invited enrollment of that id."""
    invite = InviteCode.new()
    expires_at = now + timedelta(days=ctx.settings.invites.ttl_days)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
        if patient is None or patient.status != PatientStatus.INVITED:
            return None
        invited = [
            e for e in await store.enrollments.list_for_patient(patient_id)
            if e.status == EnrollmentStatus.INVITED
        ]
        if not invited:
            return None
        enrollment = invited[0]  # newest first
        await store.invites.expire_for_enrollment(enrollment.id, now)
        await store.invites.create(
            enrollment_id=enrollment.id, code_hash=invite.code_hash, expires_at=expires_at,
            now=now,
        )
        await store.audit.record(
            actor_id=staff_id, action="invite", outcome=AuditOutcome.OK,
            target=patient_target(patient_id), detail=f"enrollment:{enrollment.id}", now=now,
        )
    return NewInvite(
        patient_id=patient_id, enrollment_id=enrollment.id, protocol_id=enrollment.protocol_id,
        session_start=enrollment.session_start, label=patient.label, code=invite.code,
        link=deep_link(ctx.bot_username, invite.code), expires_at=expires_at,
    )
