"""Joining by invite: look at a code, take consent (claiming the code atomically), or decline.

Decisions:
- The code is used only on "Yes"; looking at it and declining change nothing but an
  audit row, so the same link still works afterwards.
- A chat already bound to a patient (active, stopped or unreachable) that accepts an invite
  made for another record is held (a returning patient, or someone else's invitation opened
  on this phone?): the code is used, nothing else changes, staff are asked in the staff
  chat ("this chat is patient #4 Priya Kapoor: add the new procedure to #4, or keep them
  apart?") and the patient is told the clinic is checking. "Add" moves the enrollment to
  the chat's patient (one person, one chat, one language and zone), starts its plan and
  makes that patient active again (consented anew); the other record is closed as
  "merged", its label kept. "Keep apart" changes no record: the other one still waits for
  its own link (/invite). One record is never rewritten into another.
- Language at consent: the one the patient chose on the consent question's language
  buttons, else Telegram's `language_code` when the clinic offers it, else the clinic
  default; a returning patient keeps the language and zone they chose unless they chose
  another on the consent question.
- An invite whose enrollment staff cancelled says so (`cancelled`), not "expired": the
  patient should ask the clinic, not just for a new link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.content import ANY_LANGUAGE, LocalizedText, Protocol
from core.invites import hash_code, is_well_formed
from core.local_time import format_session
from core.plans import plan_enrollment
from core.records import (
    ClaimStatus,
    EnrollmentRecord,
    InviteClaim,
    JoinRequestRecord,
    PatientRecord,
)
from core.statuses import TOPIC_PENDING, AuditOutcome, EnrollmentStatus, PatientStatus
from core.texts.alerts import BUTTON_APART, BUTTON_MERGE, compose_join_question
from core.texts.patient import consent_version, ui_language
from services import course
from services.access import audit, is_staff
from services.context import AppContext
from services.planning import (
    UnknownProtocol,
    patient_zone,
    placeholders,
    plan_for_enrollment,
    quiet_hours,
)
from services.staff_alerts import topic_notice_in
from storage.patient_data import patient_target
from storage.repositories import Repositories, Store
from storage.repositories.join_requests import APART, MERGE


@dataclass(frozen=True, kw_only=True)
class InviteOffer:
    """What the consent question shows; only `status` is set unless the code is usable."""

    status: ClaimStatus
    language: str
    protocol_name: str = ""
    description: str = ""
    message_count: int = 0
    cancelled: bool = False  # the clinic cancelled the enrollment (status is EXPIRED)
    has_checkins: bool = False  # the protocol asks check-in questions
    languages: tuple[str, ...] = ()  # clinic languages the protocol is written in


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    """The outcome of pressing "Yes": the patient as bound, or why the code was refused."""

    status: ClaimStatus
    patient: PatientRecord | None = None  # refused: the chat's patient, if it has one
    enrollment: EnrollmentRecord | None = None
    queued: int = 0
    already_mine: bool = False  # the code was used, by this very chat (a double tap)
    cancelled: bool = False  # the clinic cancelled the enrollment (status is EXPIRED)
    first_due: datetime | None = None  # when the first planned message goes (None: none)
    held: JoinRequestRecord | None = None  # the chat is another patient's: staff decide


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


# Stands for "the invite this chat was last shown" where a code would go (a button shown
# again after a typed answer): never a well-formed code. The chat's consent_offers row is
# the proof it opened that invite's link.
OFFERED = "offer"


async def _code_hash(store: Repositories, code: str, chat_id: int | None) -> str | None:
    """The hash to look the invite up by: of the code, or of the chat's offered invite."""
    if code == OFFERED:
        offer = None if chat_id is None else await store.consent_offers.get(chat_id)
        return None if offer is None else offer.code_hash
    return hash_code(code) if is_well_formed(code) else None


async def _peek(store: Repositories, code: str, now: datetime,
                chat_id: int | None = None) -> InviteClaim:
    code_hash = await _code_hash(store, code, chat_id)
    if code_hash is None:
        return InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
    return await store.invites.peek(code_hash, now)


# A chat that already is a patient's types "ok" to many things: a typed answer counts as
# consent to the invitation it opened only this soon after it was shown.
KNOWN_CHAT_ANSWERS_WITHIN = timedelta(hours=1)


async def open_offer(ctx: AppContext, chat_id: int, now: datetime) -> str | None:
    """The language of the consent question this chat was shown and has not accepted, while
    its invite can still be used (and, for a chat that already is a patient's, for
    KNOWN_CHAT_ANSWERS_WITHIN); None when there is none (a typed "yes" is then no answer
    to anything)."""
    async with Store(ctx.sessions) as store:
        offer = await store.consent_offers.get(chat_id)
        if offer is None:
            return None
        claim = await store.invites.peek(offer.code_hash, now)
        known = await store.patients.by_chat_id(chat_id)
    if claim.status is not ClaimStatus.OK:
        return None
    if known is not None and now - offer.offered_at > KNOWN_CHAT_ANSWERS_WITHIN:
        return None
    return offer.language or ctx.settings.clinic.default_language


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
        claim = await _peek(store, code, now, chat_id)
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
        if chat_id is not None:
            await store.consent_offers.offered(chat_id, claim.invite.id, language, now)
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
        has_checkins=any(step.kind == "checkin" for step in protocol.steps),
        languages=written_in(protocol, ctx.settings.clinic.languages),
    )


def written_in(protocol: Protocol, languages: Sequence[str]) -> tuple[str, ...]:
    """The languages every text of the protocol has (its name, description, steps and
    check-in options): only those are offered on the consent question; a patient who
    picked another would read the clinic's texts in the default language."""
    texts: list[LocalizedText] = [protocol.name, *(step.text for step in protocol.steps),
                                  *(o.text for step in protocol.steps for o in step.options)]
    if protocol.description is not None:
        texts.append(protocol.description)
    return tuple(language for language in languages
                 if all(language in t.values or ANY_LANGUAGE in t.values for t in texts))


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
        code_hash = await _code_hash(store, code, chat_id)
        if code_hash is None:
            claim = InviteClaim(status=ClaimStatus.UNKNOWN, invite=None)
        else:
            claim = await store.invites.claim(code_hash, chat_id, now)
        if claim.status is not ClaimStatus.OK or claim.invite is None:
            await store.audit.record(
                actor_id=chat_id, action="invite.accept", outcome=AuditOutcome.INVALID,
                detail=f"code {claim.status.value}", now=now,
            )
            mine = claim.invite is not None and claim.invite.used_by_chat == chat_id
            return Acceptance(status=claim.status, already_mine=mine,
                              cancelled=await _cancelled(store, claim),
                              patient=await store.patients.by_chat_id(chat_id))
        enrollment = await store.enrollments.get(claim.invite.enrollment_id)
        invited = None if enrollment is None else await store.patients.get(enrollment.patient_id)
        if enrollment is None or invited is None:
            raise LookupError(f"invite {claim.invite.id} points at nothing")
        await store.consent_offers.close(chat_id)  # answered: a typed "yes" means no more
        existing = await store.patients.by_chat_id(chat_id)
        if existing is not None and existing.id != invited.id:
            held = await _hold(ctx, store, existing, invited, enrollment, chat_id,
                               chosen_language, now)
            return Acceptance(status=ClaimStatus.OK, patient=existing, enrollment=enrollment,
                              held=held)
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
        protocol = ctx.content.protocols.get(enrollment.protocol_id)
        await topic_notice_in(store, ctx, patient.id, "joined", now, procedure=(
            protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else ""))
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
    patient = await store.patients.set_chat(invited.id, chat_id, now)
    patient = await store.patients.set_language(patient.id, language_for(ctx, language_code))
    return await _activate(store, patient, enrollment, now)


async def _activate(
    store: Repositories, patient: PatientRecord, enrollment: EnrollmentRecord, now: datetime
) -> tuple[PatientRecord, EnrollmentRecord]:
    if patient.status != PatientStatus.ACTIVE:
        patient = await store.patients.set_status(patient.id, PatientStatus.ACTIVE)
    enrollment = await store.enrollments.set_status(enrollment.id, EnrollmentStatus.ACTIVE)
    await store.patients.touch_activity(patient.id, now)
    return patient, enrollment


# --- returning patients: a chat that is already another patient ----------------------------

async def _hold(
    ctx: AppContext, store: Repositories, existing: PatientRecord, invited: PatientRecord,
    enrollment: EnrollmentRecord, chat_id: int, chosen_language: str | None, now: datetime,
) -> JoinRequestRecord:
    """Keep the acceptance for staff to decide, and ask them (in the staff chat, or the
    enrolling staff member's chat when there is none)."""
    request = await store.join_requests.create(
        enrollment_id=enrollment.id, invited_id=invited.id, patient_id=existing.id,
        chat_id=chat_id, language=chosen_language, now=now)
    await store.audit.record(
        actor_id=chat_id, action="invite.held", outcome=AuditOutcome.OK,
        target=patient_target(existing.id), detail=patient_target(invited.id), now=now)
    staff_chat = ctx.settings.staff.staff_chat(before_admins=enrollment.created_by)
    if staff_chat is not None:
        protocol = ctx.content.protocols.get(enrollment.protocol_id)
        topic = existing.staff_topic_id if existing.staff_topic_id not in (
            None, TOPIC_PENDING) and staff_chat == ctx.settings.staff.alert_chat_id else None
        await store.join_requests.ask_staff(
            chat_id=staff_chat, about_patient_id=existing.id, now=now, thread_id=topic,
            text=compose_join_question(
                patient_id=existing.id, patient_label=existing.label,
                invited_id=invited.id, invited_label=invited.label,
                procedure=protocol.name.get("en") if protocol else enrollment.protocol_id,
                session=format_session(enrollment.session_start, ctx.zone)),
            buttons=[(join_button(MERGE, request.id), BUTTON_MERGE.format(patient_id=existing.id)),
                     (join_button(APART, request.id), BUTTON_APART)],
        )
    ctx.wake_delivery()
    return request


def join_button(decision: str, request_id: int) -> str:
    """A staff question's button data: `join:merge:<id>` / `join:apart:<id>`."""
    return f"{JOIN_PREFIX}{decision}:{request_id}"


JOIN_PREFIX = "join:"


@dataclass(frozen=True, kw_only=True)
class JoinDecision:
    """What staff's choice did: `outcome` ok, or already (decided before), unknown,
    refused (not staff), gone (the invitation or the patient changed meanwhile)."""

    outcome: str
    request: JoinRequestRecord | None = None
    patient: PatientRecord | None = None  # the chat's patient, to tell
    first_due: datetime | None = None


async def decide_join(ctx: AppContext, request_id: int, decision: str, *,
                      staff_id: int | None) -> JoinDecision:
    """Staff's answer to a held acceptance: MERGE adds the invitation's procedure to the
    chat's patient and starts its plan; APART changes no record. Staff only, audited,
    decided once."""
    if decision not in (MERGE, APART):
        return JoinDecision(outcome="unknown")
    if not await is_staff(ctx, staff_id):
        await audit(ctx, actor_id=staff_id, action=f"invite.{decision}", outcome="refused",
                    detail="not staff")
        return JoinDecision(outcome="refused")
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        request = await store.join_requests.get(request_id)
        if request is None:
            return JoinDecision(outcome="unknown")
        decided = await store.join_requests.decide(request_id, decision, staff_id, now)
        if decided is None:
            return JoinDecision(outcome="already", request=request)
        patient = await store.patients.get(request.patient_id)
        enrollment = await store.enrollments.get(request.enrollment_id)
        if (patient is None or patient.chat_id != request.chat_id or enrollment is None
                or enrollment.status != EnrollmentStatus.INVITED):
            await store.audit.record(actor_id=staff_id, action=f"invite.{decision}",
                                     outcome=AuditOutcome.INVALID,
                                     target=patient_target(request.patient_id),
                                     detail="changed meanwhile", now=now)
            return JoinDecision(outcome="gone", request=decided)
        await store.audit.record(
            actor_id=staff_id, action=f"invite.{decision}", outcome=AuditOutcome.OK,
            target=patient_target(request.patient_id),
            detail=patient_target(request.invited_id), now=now)
        if decision == APART:
            return JoinDecision(outcome="ok", request=decided, patient=patient)
        first_due = await _merge(ctx, store, decided, patient, enrollment, now)
        patient = await store.patients.get(patient.id) or patient
    ctx.wake_delivery()
    return JoinDecision(outcome="ok", request=decided, patient=patient, first_due=first_due)


async def _merge(ctx: AppContext, store: Repositories, request: JoinRequestRecord,
                 patient: PatientRecord, enrollment: EnrollmentRecord,
                 now: datetime) -> datetime | None:
    """The invitation's enrollment becomes the chat's patient's, active, with its plan; the
    record staff made for the invitation is closed as merged (its label kept)."""
    enrollment = await store.enrollments.move_to_patient(enrollment.id, patient.id)
    patient, enrollment = await _activate(store, patient, enrollment, now)
    await store.patients.set_status(request.invited_id, PatientStatus.MERGED)
    if request.language in ctx.settings.clinic.languages and request.language != patient.language:
        patient = await _switch_language(ctx, store, patient, request.language, enrollment.id,
                                         now)
    # The same procedure again is a new session of it: one plan at a time.
    await store.enrollments.supersede_earlier(enrollment.id, now)
    enrollment = await store.enrollments.get(enrollment.id) or enrollment
    planned = plan_for_enrollment(ctx, patient, enrollment, now)
    assert patient.chat_id is not None
    await store.messages.insert_plan(enrollment_id=enrollment.id, patient_id=patient.id,
                                     chat_id=patient.chat_id, planned=planned, now=now)
    # The patient said yes to this invitation's consent question (when it was held).
    await store.consents.record(
        patient_id=patient.id, enrollment_id=enrollment.id,
        text_version=consent_version(patient.language),
        language=ui_language(patient.language), now=request.created_at,
    )
    await course.session_done(store, ctx, patient, enrollment, now)
    await store.audit.record(
        actor_id=patient.chat_id, action="invite.accept", outcome=AuditOutcome.OK,
        target=patient_target(patient.id), detail=f"enrollment:{enrollment.id}", now=now)
    due = [m.due_at for m in planned if m.status == "pending"]
    return max(min(due), now) if due else None


async def decline_invite(ctx: AppContext, *, code: str, chat_id: int, now: datetime) -> None:
    """"No, thanks": nothing stored but an audit row (and, for a chat that is already a
    patient's, a notice in their forum topic); the code stays usable."""
    async with Store(ctx.sessions) as store:
        claim = await _peek(store, code, now, chat_id)
        target = f"enrollment:{claim.invite.enrollment_id}" if claim.invite else None
        await store.audit.record(
            actor_id=chat_id, action="invite.decline", outcome=AuditOutcome.OK, target=target,
            detail=f"code {claim.status.value}", now=now,
        )
        known = await store.patients.by_chat_id(chat_id)
        noticed = known is not None and await topic_notice_in(store, ctx, known.id,
                                                                "declined", now)
    if noticed:
        ctx.wake_delivery()


async def patient_for_chat(ctx: AppContext, chat_id: int) -> PatientRecord | None:
    """The patient bound to this chat (a forgotten one no longer is)."""
    async with Store(ctx.sessions) as store:
        return await store.patients.by_chat_id(chat_id)
