"""Joining by invite: look at a code, take consent (claiming the code atomically), or decline.

Decisions:
- The code is used only on "Yes"; looking at it and declining change nothing but an
  audit row, so the same link still works afterwards.
- A chat already bound to a patient (active, stopped or unreachable) may open a new invite:
  a second procedure. The new enrollment moves to the chat's existing patient (one person,
  one chat, one language and zone), the placeholder patient staff created for the invite is
  erased (it held only the label typed for this invite), and the patient is active again.
  A stopped patient who opens a fresh invite has consented anew.
- Language at consent: the one the patient chose on the consent question's language
  buttons, else Telegram's `language_code` when the clinic offers it, else the clinic
  default; a returning patient keeps the language and zone they chose unless they chose
  another on the consent question.
- An invite whose enrollment staff cancelled says so (`cancelled`), not "expired": the
  patient should ask the clinic, not just for a new link.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.invites import hash_code, is_well_formed
from core.plans import plan_enrollment
from core.records import ClaimStatus, EnrollmentRecord, InviteClaim, PatientRecord
from core.statuses import AuditOutcome, EnrollmentStatus, PatientStatus
from core.texts.patient import consent_version, ui_language
from services import course
from services.context import AppContext
from services.planning import (
    UnknownProtocol,
    patient_zone,
    placeholders,
    plan_for_enrollment,
    quiet_hours,
)
from storage.patient_data import patient_target
from storage.repositories import Repositories, Store


@dataclass(frozen=True, kw_only=True)
class InviteOffer:
    """What the consent question shows; only `status` is set unless the code is usable."""

    status: ClaimStatus
    language: str
    protocol_name: str = ""
    description: str = ""
    message_count: int = 0
    cancelled: bool = False  # the clinic cancelled the enrollment (status is EXPIRED)


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    """The outcome of pressing "Yes": the patient as bound, or why the code was refused."""

    status: ClaimStatus
    patient: PatientRecord | None = None
    enrollment: EnrollmentRecord | None = None
    queued: int = 0
    already_mine: bool = False  # the code was used, by this very chat (a double tap)
    cancelled: bool = False  # the clinic cancelled the enrollment (status is EXPIRED)
    first_due: datetime | None = None  # when the first planned message goes (None: none)


def language_for(ctx: AppContext, language_code: str | None) -> str:
    """The patient's language from Telegram's `language_code` ("hi", "en-GB", ...)."""
    offered = ctx.settings.clinic.languages
    code = (language_code or "").split("-")[0].lower()
    return code if code in offered else ctx.settings.clinic.default_language


# Enrollments with a plan to re-make in a new language or zone: done and booked sessions.
PLANNED = frozenset({EnrollmentStatus.ACTIVE, EnrollmentStatus.BOOKED})

START_ACTION = "invite.start"
START_TRIES = 5  # bad codes a chat may try...
START_WINDOW = timedelta(minutes=10)  # ...in this long, before it must wait


async def _guessing(store: Repositories, chat_id: int, now: datetime) -> bool:
    # Bad codes only: the refusals this throttle writes must not push them out of the count.
    bad = await store.audit.list(
        actor_id=chat_id, action=START_ACTION, outcome=AuditOutcome.INVALID,
        since=now - START_WINDOW, limit=START_TRIES,
    )
    return len(bad) >= START_TRIES


async def _peek(store: Repositories, code: str, now: datetime) -> InviteClaim:
    if not is_well_formed(code):
        return InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
    return await store.invites.peek(hash_code(code), now)


async def _cancelled(store: Repositories, claim: InviteClaim) -> bool:
    """Whether the invite's enrollment was cancelled by staff (its code then expired)."""
    if claim.status is not ClaimStatus.EXPIRED or claim.invite is None:
        return False
    enrollment = await store.enrollments.get(claim.invite.enrollment_id)
    return enrollment is not None and enrollment.status == EnrollmentStatus.CANCELLED


async def peek_invite(
    ctx: AppContext, *, code: str, language_code: str | None, now: datetime,
    chat_id: int | None = None,
) -> InviteOffer:
    """What `/start <code>` shows: the procedure and how many messages, or why not.
    `language_code`: Telegram's, or a clinic language the patient chose.

    With `chat_id`, guessing is throttled: every bad code is audited, and a chat with
    START_TRIES bad codes in START_WINDOW gets THROTTLED without its code being looked up.
    """
    language = language_for(ctx, language_code)
    async with Store(ctx.sessions) as store:
        if chat_id is not None and await _guessing(store, chat_id, now):
            await store.audit.record(actor_id=chat_id, action=START_ACTION,
                                     outcome=AuditOutcome.REFUSED, detail="throttled", now=now)
            return InviteOffer(status=ClaimStatus.THROTTLED, language=language)
        claim = await _peek(store, code, now)
        if claim.status is not ClaimStatus.OK or claim.invite is None:
            if chat_id is not None:
                await store.audit.record(
                    actor_id=chat_id, action=START_ACTION, outcome=AuditOutcome.INVALID,
                    detail=f"code {claim.status.value}", now=now,
                )
            return InviteOffer(status=claim.status, language=language,
                               cancelled=await _cancelled(store, claim))
        enrollment = await store.enrollments.get(claim.invite.enrollment_id)
        patient = None if enrollment is None else await store.patients.get(enrollment.patient_id)
        # "Opened, not answered" on Today's list of patients who have not joined yet.
        await store.invites.mark_opened(claim.invite.id, now)
    protocol = None if enrollment is None else ctx.content.protocols.get(enrollment.protocol_id)
    if enrollment is None or patient is None or protocol is None:
        # A dangling invite (protocol removed from content): as good as an unknown code.
        return InviteOffer(status=ClaimStatus.UNKNOWN, language=language)
    default = ctx.settings.clinic.default_language
    planned = plan_enrollment(
        protocol=protocol,
        session_start=enrollment.session_start,
        zone=patient_zone(patient.timezone, ctx.settings),
        quiet=quiet_hours(ctx.settings),
        now=now,
        language=language,
        default_language=default,
        placeholders=placeholders(ctx.settings, language),
    )
    return InviteOffer(
        status=ClaimStatus.OK,
        language=language,
        protocol_name=protocol.name.get(language, default),
        description=protocol.description.get(language, default) if protocol.description else "",
        message_count=sum(1 for message in planned if message.status == "pending"),
    )


async def accept_invite(
    ctx: AppContext, *, code: str, chat_id: int, language_code: str | None, now: datetime,
    chosen_language: str | None = None,
) -> Acceptance:
    """Consent: claim the code for this chat, activate the patient, store the plan.

    One transaction: the claim, the binding and the plan commit together or not at all.
    Delivery is woken afterwards so what is due now goes out at once. `chosen_language`:
    the language picked on the consent question (it wins over Telegram's).
    """
    async with Store(ctx.sessions) as store:
        if not is_well_formed(code):
            claim = InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
        else:
            claim = await store.invites.claim(hash_code(code), chat_id, now)
        if claim.status is not ClaimStatus.OK or claim.invite is None:
            await store.audit.record(
                actor_id=chat_id, action="invite.accept", outcome=AuditOutcome.INVALID,
                detail=f"code {claim.status.value}", now=now,
            )
            mine = claim.invite is not None and claim.invite.used_by_chat == chat_id
            return Acceptance(status=claim.status, already_mine=mine,
                              cancelled=await _cancelled(store, claim))
        enrollment = await store.enrollments.get(claim.invite.enrollment_id)
        invited = None if enrollment is None else await store.patients.get(enrollment.patient_id)
        if enrollment is None or invited is None:
            raise LookupError(f"invite {claim.invite.id} points at nothing")
        patient, enrollment = await _bind(ctx, store, invited, enrollment, chat_id,
                                          language_code, now)
        if chosen_language in ctx.settings.clinic.languages and chosen_language != patient.language:
            patient = await _switch_language(ctx, store, patient, chosen_language, enrollment.id,
                                             now)
        # A second invite for the same procedure is a new session: one plan at a time.
        await store.enrollments.supersede_earlier(enrollment.id, now)
        enrollment = await store.enrollments.get(enrollment.id) or enrollment
        planned = plan_for_enrollment(ctx, patient, enrollment, now)
        queued = await store.messages.insert_plan(
            enrollment_id=enrollment.id, patient_id=patient.id, chat_id=chat_id,
            planned=planned, now=now,
        )
        # Consent on record: which wording the patient agreed to, in their language.
        await store.consents.record(
            patient_id=patient.id, enrollment_id=enrollment.id,
            text_version=consent_version(patient.language),
            language=ui_language(patient.language), now=now,
        )
        await course.session_done(store, ctx, patient, enrollment, now)
        await store.audit.record(
            actor_id=chat_id, action="invite.accept", outcome=AuditOutcome.OK,
            target=patient_target(patient.id), detail=f"enrollment:{enrollment.id}", now=now,
        )
    ctx.wake_delivery()
    due = [m.due_at for m in planned if m.status == "pending"]
    return Acceptance(status=ClaimStatus.OK, patient=patient, enrollment=enrollment,
                      queued=queued, first_due=max(min(due), now) if due else None)


async def _switch_language(
    ctx: AppContext, store: Repositories, patient: PatientRecord, language: str,
    joining: int, now: datetime,
) -> PatientRecord:
    """The language picked on the consent question; a returning patient's other plans are
    re-planned in it too (as /language does); `joining`'s plan is not stored yet."""
    patient = await store.patients.set_language(patient.id, language)
    for other in await store.enrollments.list_for_patient(patient.id):
        if other.status in PLANNED and other.id != joining:
            with contextlib.suppress(UnknownProtocol):
                planned = plan_for_enrollment(ctx, patient, other, now)
                await store.messages.replace_pending(other.id, planned, now)
    return patient


async def _bind(
    ctx: AppContext,
    store: Repositories,
    invited: PatientRecord,
    enrollment: EnrollmentRecord,
    chat_id: int,
    language_code: str | None,
    now: datetime,
) -> tuple[PatientRecord, EnrollmentRecord]:
    existing = await store.patients.by_chat_id(chat_id)
    if existing is not None and existing.id != invited.id:
        # A second procedure for someone we already know: one patient, one chat.
        enrollment = await store.enrollments.move_to_patient(enrollment.id, existing.id)
        await store.patients.forget(invited.id, now)
        patient = existing
        await store.audit.record(
            actor_id=chat_id, action="invite.merge", outcome=AuditOutcome.OK,
            target=patient_target(existing.id),
            detail=f"placeholder {patient_target(invited.id)}", now=now,
        )
    else:
        patient = await store.patients.set_chat(invited.id, chat_id, now)
        patient = await store.patients.set_language(patient.id, language_for(ctx, language_code))
    if patient.status != PatientStatus.ACTIVE:
        patient = await store.patients.set_status(patient.id, PatientStatus.ACTIVE)
    enrollment = await store.enrollments.set_status(enrollment.id, EnrollmentStatus.ACTIVE)
    await store.patients.touch_activity(patient.id, now)
    return patient, enrollment


async def decline_invite(ctx: AppContext, *, code: str, chat_id: int, now: datetime) -> None:
    """"No, thanks": nothing stored but an audit row; the code stays usable."""
    async with Store(ctx.sessions) as store:
        claim = await _peek(store, code, now)
        target = f"enrollment:{claim.invite.enrollment_id}" if claim.invite else None
        await store.audit.record(
            actor_id=chat_id, action="invite.decline", outcome=AuditOutcome.OK, target=target,
            detail=f"code {claim.status.value}", now=now,
        )


async def patient_for_chat(ctx: AppContext, chat_id: int) -> PatientRecord | None:
    """The patient bound to this chat (a forgotten one no longer is)."""
    async with Store(ctx.sessions) as store:
        return await store.patients.by_chat_id(chat_id)
