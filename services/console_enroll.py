"""Enrolling at the front desk from the console: the bot's enrollment use case, at most once
per Enroll form, then a status the page polls until the patient has consented in Telegram."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.statuses import AuditOutcome, EnrollmentStatus
from services.context import AppContext
from services.enrollment import (
    EnrollmentInputError,
    EnrollmentRequest,
    NewInvite,
    check_label,
    enroll,
    parse_session_time,
)
from storage import console_writes as writes
from storage.patient_data import patient_target, target_patient_id
from storage.repositories import Store

FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
FORM_ACTION = "console.enroll"  # the audit event linking a used form to what it created
# How long a used form is remembered: a resubmission after that is refused as out of date
# by its CSRF token anyway (sessions last console.session_hours, at most a week).
FORM_MEMORY = timedelta(days=8)
# How long this process keeps an invitation made from a form, to show the same QR code when
# the form comes again (the invite code is stored only hashed, so it cannot be read back).
SHOWN_AGAIN_FOR = timedelta(hours=2)
SHOWN_AGAIN_MAX = 500
WAIT_FOR_FIRST = 15.0  # seconds a repeat waits for the first submission still at work


def new_form_token() -> str:
    """A one-time token for an Enroll form (a hidden field)."""
    return secrets.token_urlsafe(24)


def _form_hash(token: str) -> str:
    return hashlib.sha256(f"console-enroll-form|{token}".encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class DeskEnrollment:
    """What an Enroll form made: the invitation with its code (QR), or for a repeat whose
    code this process no longer holds, just which enrollment it made."""

    invite: NewInvite | None
    enrollment_id: int | None
    patient_id: int | None
    repeat: bool  # the form had been sent before: nothing new was created


class RecentInvites:
    """Invitations made from Enroll forms in this process, by form, for a while: a double
    click or a browser's back-and-resend shows the same QR code. Held in memory only (the
    console runs in the one bot process), bounded in number and age."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[datetime, asyncio.Future[NewInvite]]] = {}

    def _prune(self, now: datetime) -> None:
        for key, (at, _) in list(self._made.items()):
            if now - at > SHOWN_AGAIN_FOR or len(self._made) > SHOWN_AGAIN_MAX:
                del self._made[key]

    def pending(self, key: str) -> asyncio.Future[NewInvite] | None:
        found = self._made.get(key)
        return None if found is None else found[1]

    def start(self, key: str, now: datetime) -> asyncio.Future[NewInvite]:
        self._prune(now)
        future: asyncio.Future[NewInvite] = asyncio.get_running_loop().create_future()
        self._made[key] = (now, future)
        return future

    def drop(self, key: str) -> None:
        self._made.pop(key, None)


def desk_request(ctx: AppContext, *, protocol_id: str, when: str, label: str,
                 now: datetime) -> EnrollmentRequest:
    """The form's fields checked as the bot checks /enroll (time in the clinic zone, as
    staff type it; empty = now). Raises EnrollmentInputError with the bot's reasons."""
    if protocol_id not in ctx.content.protocols:
        raise EnrollmentInputError("unknown_protocol", given=protocol_id)
    return EnrollmentRequest(
        protocol_id=protocol_id,
        session_start=parse_session_time(when, ctx.zone, now,
                                         date_order=ctx.settings.clinic.date_order),
        label=check_label(label),
    )


async def enroll_at_desk(
    ctx: AppContext, recent: RecentInvites, *, form_token: str, protocol_id: str, when: str,
    label: str, staff_id: int, now: datetime,
) -> DeskEnrollment:
    """Create patient, enrollment and invite from the form, once per `form_token`: the same
    form sent again (even at the same moment) creates nothing and returns what the first
    made. Raises EnrollmentInputError for bad fields (nothing is used up then), for a token
    that is not one of ours ("bad_form"), and for a used form sent with another procedure
    or label ("form_used")."""
    if not FORM_TOKEN.fullmatch(form_token):
        raise EnrollmentInputError("bad_form")
    request = desk_request(ctx, protocol_id=protocol_id, when=when, label=label, now=now)
    key = _form_hash(form_token)
    first = recent.pending(key)
    if first is not None:  # this process made it, or is making it right now
        invite = await asyncio.wait_for(asyncio.shield(first), WAIT_FOR_FIRST)
        if (invite.protocol_id, invite.label) != (request.protocol_id, request.label):
            # The used form was filled in anew (someone else?): never answer that with
            # another patient's invitation.
            raise EnrollmentInputError("form_used", patient_id=invite.patient_id)
        return DeskEnrollment(invite=invite, enrollment_id=invite.enrollment_id,
                              patient_id=invite.patient_id, repeat=True)
    future = recent.start(key, now)
    claimed = False
    try:
        async with Store(ctx.sessions) as store:
            claimed = await writes.claim_form(store.session, key, user_id=staff_id,
                                              expires_at=now + FORM_MEMORY, now=now)
        if not claimed:  # used before this process remembers
            recent.drop(key)
            future.cancel()
            return await _made_before(ctx, key, now)
        invite = await enroll(ctx, request, staff_id=staff_id, now=now)
    except Exception as error:
        recent.drop(key)
        if not future.done():
            future.set_exception(error)
            future.exception()  # marked as seen: nobody may be waiting for it
        if claimed:  # nothing was created: the same form may be sent again
            async with Store(ctx.sessions) as store:
                await writes.release_form(store.session, key)
        raise
    except BaseException:
        recent.drop(key)
        future.cancel()
        raise
    future.set_result(invite)
    async with Store(ctx.sessions) as store:
        await store.audit.record(
            actor_id=staff_id, action=FORM_ACTION, outcome=AuditOutcome.OK,
            target=patient_target(invite.patient_id),
            detail=f"enrollment:{invite.enrollment_id} {_marker(key)}", now=now,
        )
    return DeskEnrollment(invite=invite, enrollment_id=invite.enrollment_id,
                          patient_id=invite.patient_id, repeat=False)


def _marker(key: str) -> str:
    return f"form:{key[:24]}"


async def _made_before(ctx: AppContext, key: str, now: datetime) -> DeskEnrollment:
    """A form used before (another process life, or another process): what it made, read
    from the audit trail; unknown when it was never finished."""
    async with Store(ctx.sessions) as store:
        event = await writes.form_outcome(store.session, FORM_ACTION, _marker(key),
                                          now - FORM_MEMORY)
    enrollment_id = None
    if event is not None and event.detail and event.detail.startswith("enrollment:"):
        number = event.detail.split()[0].removeprefix("enrollment:")
        enrollment_id = int(number) if number.isdigit() else None
    patient_id = None if event is None else target_patient_id(event.target)
    return DeskEnrollment(invite=None, enrollment_id=enrollment_id, patient_id=patient_id,
                          repeat=True)


@dataclass(frozen=True, kw_only=True)
class InviteProgress:
    """Where an invite made at the desk stands: waiting, joined or cancelled."""

    state: str  # waiting | held | apart | joined | closed | unknown
    patient_id: int | None = None  # the patient the enrollment belongs to now


async def invite_progress(ctx: AppContext, enrollment_id: int) -> InviteProgress:
    """Whether the patient has consented. The enrollment is followed, not the patient: a
    chat that already had a patient is held until staff decide (services/onboarding.py),
    and added to that patient the enrollment is theirs."""
    async with Store(ctx.sessions) as store:
        enrollment = await store.enrollments.get(enrollment_id)
        request = (await store.join_requests.pending_for_enrollment(enrollment_id)
                   if enrollment is not None else None)
    if enrollment is None:
        return InviteProgress(state="unknown")
    if enrollment.status == EnrollmentStatus.INVITED:
        if request is not None and request.decision is None:
            return InviteProgress(state="held", patient_id=enrollment.patient_id)
        if request is not None and request.decision == "apart":
            return InviteProgress(state="apart", patient_id=enrollment.patient_id)
        return InviteProgress(state="waiting", patient_id=enrollment.patient_id)
    if enrollment.status == EnrollmentStatus.ACTIVE:
        return InviteProgress(state="joined", patient_id=enrollment.patient_id)
    return InviteProgress(state="closed", patient_id=enrollment.patient_id)
