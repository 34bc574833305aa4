"""Everything stored about one patient, for export, and the erasure the repositories leave out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.statuses import (
    TOPIC_PENDING,
    EscalationKind,
    EscalationStatus,
    MessageKind,
)
from core.texts.alerts import PATIENT_NOTICES, compose_erased_urgent
from storage.models import (
    AuditEvent,
    Booking,
    Cancellation,
    CaseMessage,
    ChatPacing,
    CheckinAnswer,
    Consent,
    ConsentOffer,
    Enrollment,
    Escalation,
    InboundUpdate,
    Invite,
    JoinRequest,
    OutcomeAnswer,
    Patient,
    PatientCourse,
    PhotoCheckin,
    ScheduledMessage,
    StaffMember,
)
from storage.outgoing import Outgoing
from storage.repositories.audit import audit_record
from storage.repositories.bookings import booking_record
from storage.repositories.checkins import checkin_record
from storage.repositories.consents import consent_record
from storage.repositories.courses import course_record, outcome_record
from storage.repositories.enrollments import enrollment_record
from storage.repositories.escalations import (
    EscalationRepository,
    case_message_record,
    escalation_record,
)
from storage.repositories.inbound import inbound_record
from storage.repositories.invites import invite_record
from storage.repositories.messages import cancel_pending, message_record
from storage.repositories.patients import PatientRepository, mentions_user
from storage.repositories.photo_checkins import photo_record
from storage.staff_chat_erasure import (
    ERASURE_STEP,
    queue_post_erasure,
    queue_topic_close,
)

ERASED_ALERT = "Alert about patient #{id} (details erased at the patient's request)."


_TARGET_PREFIX = "patient:"


def patient_target(patient_id: int) -> str:
    """How audit events name a patient (`target`, sometimes `detail`); export and erasure
    find the patient's events by exactly this text."""
    return f"{_TARGET_PREFIX}{patient_id}"


def target_patient_id(target: str | None) -> int | None:
    """The patient id a `patient_target` names; None for any other target."""
    if target and target.startswith(_TARGET_PREFIX) and target[len(_TARGET_PREFIX):].isdigit():
        return int(target[len(_TARGET_PREFIX):])
    return None


def _queued_alerts(patient_id: int) -> Any:
    """Staff alerts about the patient that went through the outbox (posting failed at once).

    They go to the staff chat, so they have no patient_id, but they carry the patient's
    label and words; `about_patient_id` names the patient (MessageRepository.enqueue_alert).
    """
    return ScheduledMessage.about_patient_id == patient_id


def _plain(record: Any) -> dict[str, Any]:
    return asdict(record)


async def collect_patient_data(session: AsyncSession, patient_id: int) -> dict[str, Any] | None:
    """Every row that concerns the patient, as plain dicts (None: no such patient).

    Patient row, enrollments, their invites, consent records, every outbox message with its
    status (staff alerts about the patient too), check-in answers, a course of treatment
    (bookings, courses, outcome answers with comments, photo check-ins with their Telegram
    file ids), escalations (cases) and the messages that joined them, with the patient's
    own words, audit events naming the patient, and stored webhook updates from the
    patient's chat.
    """
    patient = await PatientRepository(session).get(patient_id)
    if patient is None:
        return None
    enrollments = list(
        await session.scalars(
            select(Enrollment).where(Enrollment.patient_id == patient_id).order_by(Enrollment.id)
        )
    )
    enrollment_ids = [e.id for e in enrollments]
    invites = await session.scalars(
        select(Invite).where(Invite.enrollment_id.in_(enrollment_ids)).order_by(Invite.id)
    )
    messages = await session.scalars(
        select(ScheduledMessage)
        .where(
            or_(
                ScheduledMessage.patient_id == patient_id,
                ScheduledMessage.enrollment_id.in_(enrollment_ids),
                _queued_alerts(patient_id),
            )
        )
        .order_by(ScheduledMessage.id)
    )
    checkins = await session.scalars(
        select(CheckinAnswer).where(CheckinAnswer.patient_id == patient_id).order_by(
            CheckinAnswer.id
        )
    )
    escalations = list(await session.scalars(
        select(Escalation).where(Escalation.patient_id == patient_id).order_by(Escalation.id)
    ))
    case_messages = await session.scalars(
        select(CaseMessage)
        .where(CaseMessage.escalation_id.in_([e.id for e in escalations]))
        .order_by(CaseMessage.id)
    )

    async def rows(model: Any) -> list[Any]:
        return list(await session.scalars(
            select(model).where(model.patient_id == patient_id).order_by(model.id)))

    course = {
        "consents": [_plain(consent_record(r)) for r in await rows(Consent)],
        "bookings": [_plain(booking_record(r)) for r in await rows(Booking)],
        "courses": [_plain(course_record(r)) for r in await rows(PatientCourse)],
        "outcomes": [_plain(outcome_record(r)) for r in await rows(OutcomeAnswer)],
        "photo_checkins": [_plain(photo_record(r)) for r in await rows(PhotoCheckin)],
    }
    target = patient_target(patient_id)
    audit = await session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.target == target, AuditEvent.detail == target))
        .order_by(AuditEvent.id)
    )
    cancellations = await session.scalars(
        select(Cancellation).where(Cancellation.patient_id == patient_id)
        .order_by(Cancellation.id))
    joins = await session.scalars(
        select(JoinRequest).where(or_(JoinRequest.patient_id == patient_id,
                                      JoinRequest.invited_id == patient_id))
        .order_by(JoinRequest.id))
    updates = []
    if patient.chat_id is not None:
        # Portable JSON search: the table only holds updates not yet pruned.
        for row in await session.scalars(select(InboundUpdate).order_by(InboundUpdate.update_id)):
            if mentions_user(row.payload, patient.chat_id):
                updates.append(_plain(inbound_record(row)))
    return {
        "patient": _plain(patient),
        "enrollments": [_plain(enrollment_record(e)) for e in enrollments],
        "invites": [_plain(invite_record(i)) for i in invites],
        "messages": [_plain(message_record(m)) for m in messages],
        "checkin_answers": [_plain(checkin_record(c)) for c in checkins],
        **course,
        "escalations": [_plain(escalation_record(e)) for e in escalations],
        "case_messages": [_plain(case_message_record(m)) for m in case_messages],
        "audit_events": [_plain(audit_record(a)) for a in audit],
        "webhook_updates": updates,
        "cancellations": [{"id": c.id, "at": c.at, "staff_id": c.staff_id,
                           "enrollments": c.enrollments, "undone_at": c.undone_at}
                          for c in cancellations],
        "returning_patient_questions": [
            {"id": j.id, "enrollment_id": j.enrollment_id, "invited_id": j.invited_id,
             "patient_id": j.patient_id, "created_at": j.created_at,
             "decision": j.decision, "decided_at": j.decided_at} for j in joins],
    }


async def anonymise_audit(
    session: AsyncSession, patient_id: int, staff_ids: Collection[int],
    *, chat_id: int | None = None, enrollment_ids: Collection[int] = (),
) -> int:
    """Drop the patient's Telegram id from audit events about them (the events stay).

    Patient actions are audited with the patient's chat id as actor; after erasure that id
    would still tie the events to a person. Staff actors (the staff table and `staff_ids`,
    the admins from settings) are kept: they are the clinic's accountability trail. This
    also works after the chat binding is gone (a patient who used /forget). Returns how
    many events were changed.
    """
    target = patient_target(patient_id)
    staff = set(staff_ids) | set(await session.scalars(select(StaffMember.user_id)))
    about = [AuditEvent.target == target, AuditEvent.detail == target]
    # Before consent the patient's actions name the enrollment (a declined invite), and a
    # refused second accept names nothing: the actor is their chat.
    enrollments = [f"enrollment:{enrollment_id}" for enrollment_id in enrollment_ids]
    if enrollments:
        about += [AuditEvent.target.in_(enrollments), AuditEvent.detail.in_(enrollments)]
    if chat_id is not None:
        about.append(AuditEvent.actor_id == chat_id)
    result = await session.execute(
        update(AuditEvent)
        .where(
            AuditEvent.actor_id.is_not(None),
            AuditEvent.actor_id.not_in(sorted(staff)),
            or_(*about),
        )
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def forget_patient_data(
    session: AsyncSession, patient_id: int, now: datetime, *, staff_ids: Collection[int]
) -> bool:
    """The repository's erasure, the audit actor ids, and the staff chat
    (storage/staff_chat_erasure.py): every post of the bot's about the patient edited to
    an erased text or deleted (copies of their media), their topic renamed and closed; posts
    not sent yet are not sent, queued alerts lose their text (ERASED_ALERT). False if there
    is no such patient."""
    require_aware(now, "now")
    patients = PatientRepository(session)
    chat_id = await session.scalar(select(Patient.chat_id).where(Patient.id == patient_id))
    enrollment_ids = list(await session.scalars(
        select(Enrollment.id).where(Enrollment.patient_id == patient_id)
    ))
    topic = await session.scalar(select(Patient.staff_topic_id).where(Patient.id == patient_id))
    if await session.get(Patient, patient_id) is None:
        return False
    closed = await _close_cases(session, patient_id, now)
    # Records staff added to this patient's care (a returning patient) hold labels about
    # the same person: they go too.
    merged = list(await session.scalars(
        select(JoinRequest.invited_id).where(JoinRequest.patient_id == patient_id,
                                             JoinRequest.decision == "merge")))
    if await patients.forget(patient_id, now) is None:
        return False
    for other in merged:
        await patients.forget(other, now)
    # A held or decided returning-patient question, and a consent question shown, name
    # the chat.
    await session.execute(delete(JoinRequest).where(or_(
        JoinRequest.patient_id == patient_id, JoinRequest.invited_id == patient_id,
        *([JoinRequest.chat_id == chat_id] if chat_id is not None else []))))
    if chat_id is not None:
        await session.execute(delete(ConsentOffer).where(ConsentOffer.chat_id == chat_id))
    await anonymise_audit(
        session, patient_id, staff_ids, chat_id=chat_id, enrollment_ids=enrollment_ids
    )
    if chat_id is not None:
        # Pacing keeps a chat id per chat; the patient's goes with them.
        await session.execute(delete(ChatPacing).where(ChatPacing.chat_id == chat_id))
    ours = _queued_alerts(patient_id) & (ScheduledMessage.step_id != ERASURE_STEP)
    # A post not sent yet (a card, a joined message, a copy of their photo, the topic named
    # by their label) is not sent at all. One being sent right now is erased once its
    # outcome is recorded (staff_chat_erasure.after_outcomes).
    await session.execute(cancel_pending(
        ours & ScheduledMessage.kind.in_(sorted(_NOT_SENT_AFTER_ERASURE)), now, "forgotten"))
    await session.execute(
        update(ScheduledMessage)
        .where(ours)
        .values(text=ERASED_ALERT.format(id=patient_id), copy_from_chat_id=None,
                copy_message_id=None, copy_message_ids=None)
        .execution_options(synchronize_session=False)
    )
    # Posts that were waiting for that topic go to the chat itself.
    await session.execute(
        update(ScheduledMessage)
        .where(_queued_alerts(patient_id), ScheduledMessage.thread_id == TOPIC_PENDING)
        .values(thread_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    connection = await session.connection()
    for erased in (patient_id, *merged):
        await queue_post_erasure(connection, erased, now)
    thread = topic if topic is not None and topic != TOPIC_PENDING else None
    await _tell_staff(session, patient_id, closed, thread, now)
    if thread is not None:
        await _retire_topic(session, patient_id, thread, now)
    return True


# What erasure keeps from being sent (a queued alert still goes, its text erased).
_NOT_SENT_AFTER_ERASURE = frozenset({
    MessageKind.CARD, MessageKind.POST, MessageKind.COPY, MessageKind.CARD_EDIT,
    MessageKind.TOPIC_OPEN,
})


@dataclass(frozen=True, kw_only=True)
class _ClosedCase:
    id: int
    kind: str
    card: tuple[int, int] | None  # (chat, message) of its card in the staff chat
    chat_id: int | None  # the staff chat its posts went to


async def _close_cases(session: AsyncSession, patient_id: int, now: datetime
                       ) -> list[_ClosedCase]:
    """The patient's unresolved cases are closed as erased by the patient (nobody can
    answer them through the bot any more) and their escalation timers cancelled: on-call
    is not paged about someone the bot can no longer reach."""
    repository = EscalationRepository(session)
    closed = []
    for case in await session.scalars(
        select(Escalation).where(Escalation.patient_id == patient_id,
                                 Escalation.status.in_(sorted(EscalationStatus.UNRESOLVED)))
        .order_by(Escalation.id)
    ):
        # The case first (its row locked), then its timers: a ladder round queued meanwhile
        # by a delivery outcome is either cancelled here or finds the case closed.
        if not await repository.close_erased(case.id, now):
            continue  # resolved by staff meanwhile
        await session.execute(cancel_pending(
            (ScheduledMessage.case_id == case.id) & (ScheduledMessage.kind == MessageKind.ALERT),
            now, "case closed: patient erased their data"))
        chat_id = await session.scalar(
            select(ScheduledMessage.chat_id)
            .where(ScheduledMessage.case_id == case.id,
                   ScheduledMessage.kind.in_(sorted(MessageKind.CASE_POSTS)))
            .order_by(ScheduledMessage.id.desc()).limit(1)
        )
        closed.append(_ClosedCase(id=case.id, kind=case.kind,
                                  card=await repository.card_post(case.id), chat_id=chat_id))
    await session.flush()
    return closed


async def _tell_staff(
    session: AsyncSession, patient_id: int, closed: Sequence[_ClosedCase], thread: int | None,
    now: datetime,
) -> None:
    """Through the outbox: for each closed urgent case (a red flag, a worrying check-in
    answer), one post telling staff it was unresolved and the bot can no longer reach the
    patient (in their topic, else under the card). The cards themselves are erased with
    the patient's other posts."""
    connection = await session.connection()
    rows = []
    for case in closed:
        chat_id = case.card[0] if case.card is not None else case.chat_id
        if case.kind in EscalationKind.URGENT and chat_id is not None:
            rows.append(Outgoing(
                kind=MessageKind.POST, chat_id=chat_id, now=now, about_patient_id=patient_id,
                step_id=ERASURE_STEP, case_id=case.id, thread_id=thread,
                text=compose_erased_urgent(case_id=case.id, patient_id=patient_id,
                                           kind=case.kind),
                reply_to=None if thread is not None or case.card is None else case.card[1],
            ).values())
    if rows:
        await connection.execute(insert(ScheduledMessage), rows)


async def _retire_topic(session: AsyncSession, patient_id: int, topic: int, now: datetime) -> None:
    """The patient's forum topic in the staff chat is named by their label: a notice, then
    the topic renamed to the bare id and closed, through the outbox (so retention and the
    CLI, which have no bot, do it too). The chat is the one their posts went to."""
    chat_id = await session.scalar(
        select(ScheduledMessage.chat_id)
        .where(_queued_alerts(patient_id), ScheduledMessage.thread_id == topic)
        .order_by(ScheduledMessage.id.desc()).limit(1)
    )
    if chat_id is None:
        return
    connection = await session.connection()
    already = await connection.scalar(
        select(ScheduledMessage.id).where(ScheduledMessage.chat_id == chat_id,
                                          ScheduledMessage.thread_id == topic,
                                          ScheduledMessage.kind == MessageKind.TOPIC_CLOSE))
    if already is not None:
        return  # erased before: staff were told then
    await connection.execute(insert(ScheduledMessage), [Outgoing(
        kind=MessageKind.POST, chat_id=chat_id, now=now, about_patient_id=patient_id,
        step_id=ERASURE_STEP, thread_id=topic,
        text=PATIENT_NOTICES["forgot"].format(patient_id=patient_id)).values()])
    await queue_topic_close(connection, patient_id, chat_id, topic, now)
