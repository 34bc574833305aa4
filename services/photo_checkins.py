"""Photo check-ins: a protocol step (`kind = "photo"`) asks for a photo of the treated area;
the photo the patient sends while it is open (PHOTO_WINDOW after it was sent) starts a
two-question check, swollen? then pain 0-10, and the answers reach staff with the photo.

Decisions:
- Only the photo's Telegram file id and the patient's message are stored, never the image:
  the staff-chat post is a copy of their message, and the console fetches the file from
  Telegram on demand (bot/telegram_files.py).
- Photo and answers are one post in the patient's topic (the copy captioned with the
  answers). A pain score above the step's `threshold` opens an urgent check-in case (card
  first, then that post, and the escalation ladder); swelling after the protocol's
  `settle_days` is a red flag by the safety rules (its urgent reply, a red-flag case).
  Otherwise the post is all, tied to the patient's open case if they have one.
- A caption the patient writes is read like any text (services/inbox_media.py): a red flag
  there takes the urgent way and no check-in starts.
- Each answer counts once (the first tap); the patient is told the team knows only once
  the alert is stored (the bot posts it first).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.content import DEFAULT_PAIN_THRESHOLD, PAIN_MAX, Step
from core.plans import render_text
from core.records import EnrollmentRecord, PatientRecord, PhotoCheckinRecord
from core.statuses import EscalationKind, PatientStatus
from core.texts.alerts import PHOTO_WORDS, compose_photo_caption
from core.texts.patient import t, ui_language
from services.context import AppContext
from services.inbox import situation
from services.planning import placeholders
from services.staff_alerts import AlertRequest, MediaRef
from storage.repositories import Repositories, Store

PHOTO_WINDOW = timedelta(days=2)  # a photo within this after the request answers it
CALLBACK = "ph:"  # + "<check-in id>:s:<y|n>" or "<check-in id>:p:<0-10>"

AnswerStatus = Literal["recorded", "already", "stale"]


@dataclass(frozen=True, kw_only=True)
class PhotoAnswer:
    """What an answer did: the next question ("pain"), or the end ("done") with the alert
    to store first (an urgent case) or the post to queue (no case), and the reply."""

    status: AnswerStatus
    language: str
    checkin_id: int = 0
    next: Literal["pain", "done"] | None = None
    alert: AlertRequest | None = None  # an urgent case: card, then the captioned photo
    post: AlertRequest | None = None  # no case: the captioned photo alone
    reply: str = ""  # safe HTML, once the alert is stored


def swelling_data(checkin_id: int, swollen: bool) -> str:
    return f"{CALLBACK}{checkin_id}:s:{'y' if swollen else 'n'}"


def pain_data(checkin_id: int, pain: int) -> str:
    return f"{CALLBACK}{checkin_id}:p:{pain}"


def parse_data(data: str) -> tuple[int, str, str] | None:
    """(check-in id, "s" or "p", value) from a button's data, or None when malformed."""
    parts = data.removeprefix(CALLBACK).split(":")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit()) or len(parts[0]) > 12:
        return None
    which, value = parts[1], parts[2]
    if which == "s" and value in ("y", "n"):
        return int(parts[0]), which, value
    if which == "p" and value.isascii() and value.isdigit() and int(value) <= PAIN_MAX:
        return int(parts[0]), which, value
    return None


async def receive(
    store: Repositories, *, patient: PatientRecord, media: MediaRef, now: datetime
) -> PhotoCheckinRecord | None:
    """The patient's photo answers their open photo step, if any: the check-in starts (the
    caller asks "swollen?"), in the caller's transaction. None when no photo step is
    waiting for one."""
    if media.kind != "photo" or not media.file_id or patient.status != PatientStatus.ACTIVE:
        return None
    request = await store.photos.pending_request(patient.id, now - PHOTO_WINDOW)
    if request is None:
        return None
    enrollment = (None if request.enrollment_id is None
                  else await store.enrollments.get(request.enrollment_id))
    record = await store.photos.create(
        patient_id=patient.id, enrollment_id=request.enrollment_id, message_id=request.id,
        step_id=request.step_id,
        session_number=enrollment.session_number if enrollment else 1,
        file_id=media.file_id, source=(media.chat_id, media.message_id), now=now,
    )
    await store.patients.touch_activity(patient.id, now)
    return record


async def link_case(ctx: AppContext, checkin_id: int, escalation_id: int) -> None:
    """The case a check-in's answers opened (or made urgent): shown on the patient's page."""
    async with Store(ctx.sessions) as store:
        await store.photos.set_case(checkin_id, escalation_id)


def _step(ctx: AppContext, protocol_id: str | None, step_id: str) -> Step | None:
    protocol = ctx.content.protocols.get(protocol_id or "")
    return next((s for s in protocol.steps if s.id == step_id), None) if protocol else None


async def answer(
    ctx: AppContext, *, chat_id: int, checkin_id: int, which: str, value: str, now: datetime
) -> PhotoAnswer:
    """A button of the check-in: "s" (swollen? y/n) then "p" (pain 0-10)."""
    async with Store(ctx.sessions) as store:
        patient = await store.patients.by_chat_id(chat_id)
        language = ui_language(patient.language if patient else None)
        checkin = await store.photos.get(checkin_id)
        if patient is None or checkin is None or checkin.patient_id != patient.id:
            return PhotoAnswer(status="stale", language=language)
        if which == "s":
            if not await store.photos.answer_swelling(checkin.id, value == "y"):
                return PhotoAnswer(status="already", language=language)
            return PhotoAnswer(status="recorded", language=language, checkin_id=checkin.id,
                               next="pain", reply=t("photo_ask_pain", language))
        if not await store.photos.answer_pain(checkin.id, int(value), now):
            done = checkin.pain is not None
            return PhotoAnswer(status="already" if done else "stale", language=language)
        checkin = await store.photos.get(checkin.id)
        assert checkin is not None
        enrollment = (None if checkin.enrollment_id is None
                      else await store.enrollments.get(checkin.enrollment_id))
    return _finished(ctx, patient, enrollment, checkin, language, now)


def _finished(
    ctx: AppContext, patient: PatientRecord, enrollment: EnrollmentRecord | None,
    checkin: PhotoCheckinRecord, language: str, now: datetime,
) -> PhotoAnswer:
    """Both answers in: what reaches staff, and what the patient is told."""
    protocol_id = enrollment.protocol_id if enrollment is not None else None
    step = _step(ctx, protocol_id, checkin.step_id)
    threshold = step.threshold if step is not None else DEFAULT_PAIN_THRESHOLD
    day = situation(ctx, patient, enrollment, now).day if enrollment is not None else None
    protocol = ctx.content.protocols.get(protocol_id or "")
    settle = protocol.settle_days if protocol is not None else None
    swollen_late = bool(checkin.swelling) and day is not None and settle is not None \
        and day > settle
    pain = checkin.pain or 0
    summary = _summary(ctx, patient, checkin, protocol_id, day)
    media = MediaRef(chat_id=checkin.source_chat_id, message_id=checkin.source_message_id,
                     kind="photo", file_id=checkin.file_id, caption=summary)
    words = PHOTO_WORDS.format(swollen="yes" if checkin.swelling else "no", pain=pain,
                               top=PAIN_MAX)
    clinic = ctx.settings.clinic
    lasting = ctx.content.red_flags.lasting
    if swollen_late:
        rule = lasting.id if lasting is not None else "lasting"
        reply = html.escape(render_text(
            ctx.content.red_flags.reply_for(rule), language=language,
            default_language=clinic.default_language,
            placeholders=placeholders(ctx.settings, language)), quote=False)
        return PhotoAnswer(
            status="recorded", language=language, checkin_id=checkin.id, next="done",
            alert=AlertRequest(kind=EscalationKind.RED_FLAG, patient=patient,
                               enrollment=enrollment, words=words, media=media,
                               rule_id=f"{rule} (photo check-in: swollen on day {day})"),
            reply=reply + "\n\n" + t("team_alerted", language),
        )
    if pain > threshold:
        return PhotoAnswer(
            status="recorded", language=language, checkin_id=checkin.id, next="done",
            alert=AlertRequest(kind=EscalationKind.CHECKIN, patient=patient,
                               enrollment=enrollment, words=words, media=media,
                               rule_id=f"{checkin.step_id}: pain {pain}/{PAIN_MAX} "
                                       f"above {threshold}"),
            reply=t("checkin_escalated", language, contact=clinic.contact_for(language)),
        )
    return PhotoAnswer(
        status="recorded", language=language, checkin_id=checkin.id, next="done",
        post=AlertRequest(kind=EscalationKind.MEDIA, patient=patient, enrollment=enrollment,
                          words=words, media=media),
        reply=t("photo_done", language, contact=clinic.contact_for(language)),
    )


def _summary(
    ctx: AppContext, patient: PatientRecord, checkin: PhotoCheckinRecord,
    protocol_id: str | None, day: int | None,
) -> str:
    """The staff-chat caption (core/texts/alerts.py compose_photo_caption)."""
    protocol = ctx.content.protocols.get(protocol_id or "")
    procedure = protocol.name.get("en", ctx.settings.clinic.default_language) if protocol \
        else (protocol_id or "")
    return compose_photo_caption(
        patient_id=patient.id, label=patient.label, procedure=procedure,
        session=checkin.session_number, day=day, swollen=bool(checkin.swelling),
        pain=checkin.pain or 0, top=PAIN_MAX)
