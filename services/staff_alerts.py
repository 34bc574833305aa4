"""Alerts to the staff chat: red flags, worrying check-in answers, hand-offs and patients'
media, never lost, and paced for the group.

An alert is recorded as a case first (or joins the patient's unresolved case), and its
staff-chat post is queued in the outbox in the same transaction (a CARD row for a new case,
with its buttons; a POST row for a message that joins one; a COPY row for a patient's
photo, voice note, video or document, copied by reference). Delivery sends them in order,
at most about 20 a minute per group (Telegram's limit), retries failures, and records the
message ids, so a staff reply to any of them finds its case (EscalationRepository.
by_alert_message). Then delivery is woken: the card usually reaches the chat within a
second, and a storm of cases is paced, never dropped.

Something urgent (a red flag, a worrying check-in answer) escalates wherever it lands: it
opens an urgent case, or makes the case it joins urgent again whatever that case's state
(acknowledged, assigned, answered by staff, a delivery or hand-off case): open again, a
fresh card with the case's buttons showing these words, and a new run of the escalation
ladder (services/cases.py). Only while the case is already open and escalating for
something as urgent does it join as a plain post (its ladder runs on, its card has the
buttons).

Where the posts go: when the staff chat is a forum (the bot edge knows: `StaffChatIsForum`),
into the patient's own topic. Their first case queues the topic itself, a TOPIC_OPEN row
ahead of its posts, which wait for it (thread TOPIC_PENDING): delivery makes the topic at
the group's pace like any post, so no handler ever waits on Telegram for it. Otherwise
into the chat, a joined message (or a fresh card) as a reply to the last staff message
relayed to the patient (else to the case's card), so the conversation reads as a thread.
Without `staff.alert_chat_id` alerts go to the first admin's private chat.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.records import EnrollmentRecord, EscalationRecord, PatientRecord
from core.statuses import (
    PHOTO_POST_STEP,
    TOPIC_PENDING,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    most_urgent,
)
from core.texts.alerts import PATIENT_NOTICES, AlertFacts, compose_alert, topic_name
from services.cases import compose_card, schedule_ladder
from services.context import AppContext
from storage.repositories import Repositories, Store
from storage.repositories.escalations import CASE_STEP as CASE_POST

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class MediaRef:
    """A patient's photo, voice note, video, video note or document: where it is in their
    chat (copied by reference) and what it is ("photo", "voice", ...). `file_id`: the
    Telegram file id (a photo's largest size), kept for a photo check-in; `caption`: what
    the staff-chat copy says instead of the patient's own caption (safe HTML)."""

    chat_id: int
    message_id: int
    kind: str
    album: str | None = None  # the media_group_id of an album it opens (its first message)
    file_id: str | None = None
    caption: str | None = None


@dataclass(frozen=True, kw_only=True)
class AlertRequest:
    """Something staff must see about a patient; `words` are the patient's own (or the
    check-in answer they chose)."""

    kind: EscalationKind  # RED_FLAG, CHECKIN or HANDOFF
    patient: PatientRecord
    enrollment: EnrollmentRecord | None
    words: str
    rule_id: str | None = None
    media: MediaRef | None = None


# How long the copy of an album's first message waits for the album's other messages
# (Telegram hands them to the bot one by one, within a second or so): then all go together.
ALBUM_WINDOW = timedelta(seconds=2)


# Whether the staff chat is a forum supergroup (topics on). The bot edge provides it,
# asking Telegram once; it must not wait on anything else.
StaffChatIsForum = Callable[[], Awaitable[bool]]


async def in_forum(ctx: AppContext, forum: StaffChatIsForum | None) -> bool:
    """Whether posts go to the patient's forum topic: asked before a transaction opens, so
    none waits on the bot edge."""
    return ctx.settings.staff.staff_chat() is not None and forum is not None and await forum()


def compose(
    ctx: AppContext, request: AlertRequest, escalation_id: int, *, joined: bool = False,
    in_topic: bool = False,
) -> str:
    """The alert as safe HTML (wording: core/texts/alerts.py); `joined`: a later message
    of an open case."""
    patient, enrollment = request.patient, request.enrollment
    protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
    name = protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
    return compose_alert(AlertFacts(
        kind=request.kind, escalation_id=escalation_id, patient_id=patient.id,
        label=patient.label, words=request.words, rule_id=request.rule_id,
        protocol_id=enrollment.protocol_id if enrollment else None, protocol_name=name,
        enrollment_id=enrollment.id if enrollment else None,
    ), joined=joined, in_topic=in_topic)


async def raise_alert_in(
    store: Repositories, ctx: AppContext, request: AlertRequest, now: datetime, *,
    forum: bool,
) -> EscalationRecord | None:
    """Open the patient's case, or join their unresolved one, and queue its staff-chat
    posts (see the module doc), inside the caller's transaction: what the patient sent and
    the case commit together. Something urgent queues a run of the escalation ladder
    (services/cases.py) when it opens a case or makes the case urgent again. A MESSAGE
    (something the bot answered itself) only joins: None when there is no case to join.
    `forum`: `in_forum()`. The caller wakes delivery once the transaction is committed."""
    escalation = await store.escalations.unresolved_for(request.patient.id)
    if escalation is None and request.kind == EscalationKind.MESSAGE:
        return None
    chat_id = ctx.settings.staff.staff_chat()
    urgent = request.kind in EscalationKind.URGENT
    joined = escalation is not None
    fresh_card = False
    if escalation is not None:
        ladder = urgent and not await _escalating(store, escalation, request.kind)
        raised: EscalationRecord | None = escalation
        if ladder:
            raised = await store.escalations.raise_urgent(
                escalation.id, kind=request.kind, rule_id=request.rule_id,
                words=request.words, now=now,
            )
        if raised is None:
            # Resolved by staff a moment ago (compare-and-set): this opens a new case.
            escalation, joined = None, False
        else:
            await store.escalations.add_message(
                escalation.id, kind=request.kind, patient_text=request.words, now=now
            )
            if ladder:
                escalation, fresh_card = raised, True
                log.info("case %d urgent again (ladder run %d)", escalation.id,
                         escalation.ladder_run)
    if escalation is None:
        escalation = await store.escalations.open(
            patient_id=request.patient.id,
            enrollment_id=request.enrollment.id if request.enrollment else None,
            kind=request.kind,
            rule_id=request.rule_id,
            patient_text=request.words,
            now=now,
        )
        ladder = urgent
    if ladder:
        await schedule_ladder(store, ctx, escalation, request.patient, now)
    if chat_id is None:
        log.error("case %d has nowhere to go: set staff.alert_chat_id", escalation.id)
        return escalation
    thread, reply_to = await _place(store, ctx, request, chat_id, escalation if joined else None,
                                    now, forum=forum, case_id=escalation.id)
    posts = _posts(ctx, request, escalation.id, joined and not fresh_card,
                   in_topic=thread is not None)
    if fresh_card:
        enrollment = (None if escalation.enrollment_id is None
                      else await store.enrollments.get(escalation.enrollment_id))
        posts[0] = (MessageKind.CARD, compose_card(
            ctx, escalation, request.patient, enrollment, in_topic=thread is not None,
        ), None)
    album = request.media.album if request.media is not None else None
    for kind, text, copy_from in posts:
        await store.escalations.enqueue_post(
            kind=kind, chat_id=chat_id, text=text, now=now, case_id=escalation.id,
            about_patient_id=request.patient.id, thread_id=thread, reply_to=reply_to,
            copy_from=copy_from,
            # An album's copy waits a moment for the album's other messages.
            album=album if kind == MessageKind.COPY else None,
            due_at=now + ALBUM_WINDOW if album and kind == MessageKind.COPY else None,
            step_id=PHOTO_POST_STEP if copy_from and request.media
            and request.media.caption else CASE_POST,
        )
    return escalation


async def raise_alert(
    ctx: AppContext, request: AlertRequest, now: datetime, *,
    forum: StaffChatIsForum | None = None,
) -> EscalationRecord | None:
    """`raise_alert_in` in a transaction of its own, for an alert that stores nothing else
    (a photo check-in's answers, a patient who blocked the bot)."""
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        escalation = await raise_alert_in(store, ctx, request, now, forum=on_forum)
    ctx.wake_delivery()
    return escalation


async def _place(
    store: Repositories, ctx: AppContext, request: AlertRequest, chat_id: int,
    case: EscalationRecord | None, now: datetime, *, forum: bool, case_id: int | None,
) -> tuple[int | None, int | None]:
    """Where a post about the patient goes: (the forum topic, else None; what it replies
    to). Without topics, what joins `case` answers the last staff message relayed to the
    patient, else the case's card, so the conversation reads as a thread."""
    if forum:
        return await patient_topic(store, ctx, request, chat_id, now, case_id=case_id), None
    if case is None:
        return None, None
    card = await store.escalations.card_post(case.id)
    return None, case.staff_reply_message_id or (card[1] if card else None)


async def _escalating(store: Repositories, case: EscalationRecord, kind: str) -> bool:
    """Whether `case` is already open and escalating for something at least as urgent as
    `kind` (its card has the buttons, its ladder runs): then what joins is a plain post."""
    return (case.status == EscalationStatus.OPEN and most_urgent(case.kind, kind) == case.kind
            and await store.escalations.ladder_live(case.id))


async def patient_topic(
    store: Repositories, ctx: AppContext, request: AlertRequest, chat_id: int, now: datetime, *,
    case_id: int | None,
) -> int:
    """The patient's forum topic, or TOPIC_PENDING: then a TOPIC_OPEN row is queued (once:
    the patient's topic id reads TOPIC_PENDING meanwhile) for delivery to make the topic,
    named by id, label and procedure. The row names the case that needs it, so it goes as
    early as the case's posts do (a red flag's first)."""
    # The record the handler read is current: a chat's updates are handled one at a time
    # (bot/update_order.py), and only a case of this patient's sets their topic.
    patient = request.patient
    if patient.staff_topic_id is not None:
        return patient.staff_topic_id
    if await store.patients.set_staff_topic(patient.id, TOPIC_PENDING):
        enrollment = request.enrollment
        protocol = ctx.content.protocols.get(enrollment.protocol_id) if enrollment else None
        procedure = (
            protocol.name.get("en", ctx.settings.clinic.default_language) if protocol else None
        )
        await store.escalations.enqueue_post(
            kind=MessageKind.TOPIC_OPEN, chat_id=chat_id, now=now, case_id=case_id,
            text=topic_name(request.patient.id, request.patient.label, procedure),
            about_patient_id=request.patient.id,
        )
    return TOPIC_PENDING


def _posts(
    ctx: AppContext, request: AlertRequest, case_id: int, joined: bool, *, in_topic: bool
) -> list[tuple[MessageKind, str, tuple[int, int] | None]]:
    """What goes to the staff chat, in order: the card (or the joined message), then the
    patient's media copied under it."""
    posts: list[tuple[MessageKind, str, tuple[int, int] | None]] = [(
        MessageKind.POST if joined else MessageKind.CARD,
        compose(ctx, request, case_id, joined=joined, in_topic=in_topic), None,
    )]
    media = request.media
    if media is not None:
        posts.append((MessageKind.COPY, media.caption or f"[{media.kind}]",
                      (media.chat_id, media.message_id)))
    return posts


async def post_photo(
    ctx: AppContext, request: AlertRequest, now: datetime, *,
    forum: StaffChatIsForum | None = None,
) -> bool:
    """A photo check-in that needs no case: one post, the patient's photo copied with the
    answers as its caption (`request.media.caption`), in the patient's forum topic (made
    first if need be) or the staff chat; tied to their unresolved case when they have one,
    so a reply to it reaches them. Returns whether it was queued."""
    media = request.media
    chat_id = ctx.settings.staff.staff_chat()
    if chat_id is None or media is None:
        return False
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        case = await store.escalations.unresolved_for(request.patient.id)
        thread, reply_to = await _place(store, ctx, request, chat_id, case, now,
                                        forum=on_forum, case_id=case.id if case else None)
        await store.escalations.enqueue_post(
            kind=MessageKind.COPY, chat_id=chat_id, text=media.caption or "[photo]", now=now,
            case_id=case.id if case else None, about_patient_id=request.patient.id,
            thread_id=thread, reply_to=reply_to, copy_from=(media.chat_id, media.message_id),
            step_id=PHOTO_POST_STEP,
        )
    ctx.wake_delivery()
    return True


async def topic_notice_in(
    store: Repositories, ctx: AppContext, patient_id: int, notice: str, now: datetime, *,
    procedure: str = "",
) -> bool:
    """A short notice (core/texts/alerts.py PATIENT_NOTICES: joined, declined, stopped) in
    the patient's forum topic, when they have one; queued like every staff-chat post, in
    the caller's transaction (the caller wakes delivery). Returns whether one was queued."""
    chat_id = ctx.settings.staff.staff_chat()
    patient = await store.patients.get(patient_id)
    if chat_id is None or patient is None:
        return False
    thread = patient.staff_topic_id  # TOPIC_PENDING: being made, the notice follows
    if thread is None:
        return False
    text = PATIENT_NOTICES[notice].format(patient_id=patient_id, procedure=procedure)
    await store.escalations.enqueue_post(
        kind=MessageKind.POST, chat_id=chat_id, text=text, now=now, case_id=None,
        about_patient_id=patient_id, thread_id=thread,
    )
    return True


async def topic_notice(
    ctx: AppContext, patient_id: int, notice: str, now: datetime, *, procedure: str = ""
) -> bool:
    """`topic_notice_in` in a transaction of its own (a patient who stopped)."""
    async with Store(ctx.sessions) as store:
        queued = await topic_notice_in(store, ctx, patient_id, notice, now, procedure=procedure)
    if queued:
        ctx.wake_delivery()
    return queued
