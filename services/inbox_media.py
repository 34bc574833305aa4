"""What a patient sends that is not text: photos, voice notes, videos, video notes, documents
and stickers.

Decisions:
- Media from an enrolled, active patient always reaches the team: its caption goes through
  triage and the FAQ like text (a red-flag caption gets the urgent reply and makes the case
  urgent; a question gets its FAQ answer too), and the media is copied to the patient's
  case (opened, or the unresolved one) with "passed to the clinic team" as the answer.
  Nothing is downloaded or stored: the case keeps a reference to the patient's message.
- From someone not enrolled: the invite hint, nothing forwarded (a red-flag caption still
  gets the urgent reply, as text does).
- From a stopped or unreachable patient: "messages are off"; a red-flag caption still
  alerts staff, with the media.
- A sticker is small talk: a friendly answer, no case; with an unresolved case it joins it
  (as "[sticker 👍]"), like "ok" does.
- A photo from a patient whose photo check-in is open (services/photo_checkins.py) is that
  check-in's photo: the two questions follow, and the answers reach staff with it. Not when
  its caption needs a person (a red flag, a worry, a request): then it goes as above.
- An album (several photos or files sent together, one media_group_id) is one message: its
  first gets the answer and the case post, and opens the album's copy; the others join that
  copy quietly (all copied together with copyMessages). A later one with its own caption
  has its words read like any message (a red flag in it is urgent).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.records import PatientRecord
from core.statuses import EscalationKind, PatientStatus
from services import photo_checkins
from services.context import AppContext
from services.inbox import InboxReply, current_enrollment, read_text, store_alert
from services.staff_alerts import AlertRequest, MediaRef, StaffChatIsForum, in_forum
from storage.repositories import Repositories, Store

# Replies that keep their own wording when media comes with them.
_OWN_REPLY = frozenset({"urgent", "doubtful"})
# A caption that needs a person: the photo goes to the team as media, no check-in starts.
_NEEDS_PERSON = frozenset({"urgent", "doubtful", "request", "handoff", "suggest"})
# Replies whose content (an FAQ answer, a reassurance) is sent before "passed to the team".
_WITH_CONTENT = frozenset({"faq", "normal", "doubtful"})


async def handle_media(
    ctx: AppContext, *, chat_id: int, media: MediaRef, caption: str | None,
    fallback_language: str, now: datetime, forum: StaffChatIsForum | None = None,
) -> InboxReply:
    """The reply to a photo, voice note, video or document, and the case carrying it, in
    one transaction."""
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        reply, patient = await _media(store, ctx, chat_id=chat_id, media=media,
                                      caption=caption, fallback_language=fallback_language,
                                      now=now)
        reply = await store_alert(store, ctx, reply, now, forum=on_forum)
        if patient is not None:
            await store.patients.touch_activity(patient.id, now)
    if reply.alerted:
        ctx.wake_delivery()
    return reply


async def _media(
    store: Repositories, ctx: AppContext, *, chat_id: int, media: MediaRef,
    caption: str | None, fallback_language: str, now: datetime,
) -> tuple[InboxReply, PatientRecord | None]:
    """The reply and the chat's patient (the caller touches their activity last)."""
    text = (caption or "").strip()
    read: InboxReply | None = None
    if text:
        read, patient = await read_text(store, ctx, chat_id=chat_id, text=text,
                                        fallback_language=fallback_language, now=now,
                                        awaited_ok=False)
    else:
        patient = await store.patients.by_chat_id(chat_id)
    return await _media_reply(store, ctx, patient, read, media=media, text=text,
                              fallback_language=fallback_language, now=now), patient


async def _media_reply(
    store: Repositories, ctx: AppContext, patient: PatientRecord | None,
    read: InboxReply | None, *, media: MediaRef, text: str, fallback_language: str,
    now: datetime,
) -> InboxReply:
    enrollment = None
    if patient is not None:
        enrollment = await current_enrollment(store, patient.id)
    language = read.language if read is not None else (
        patient.language if patient is not None else fallback_language
    )
    urgent = read is not None and read.kind == "urgent"
    if patient is not None and (read is None or read.kind not in _NEEDS_PERSON):
        started = await photo_checkins.receive(store, patient=patient, media=media, now=now)
        if started is not None:
            return InboxReply(kind="photo_checkin", language=patient.language,
                              photo_checkin_id=started.id,
                              html=read.html if read is not None and read.kind == "faq"
                              else "")
    if patient is None:
        return read if read is not None and urgent else InboxReply(kind="stranger",
                                                                    language=language)
    if read is not None and read.alert is not None and read.alert.kind in (
        EscalationKind.RED_FLAG, EscalationKind.HANDOFF
    ):
        alert = replace(read.alert, media=media)
    else:
        alert = AlertRequest(kind=EscalationKind.MEDIA, patient=patient, enrollment=enrollment,
                             words=text or f"[{media.kind}]", media=media)
    if patient.status != PatientStatus.ACTIVE:
        if read is not None and urgent:
            return replace(read, alert=alert)
        return InboxReply(kind="stopped", language=language)
    if read is not None and read.kind in _OWN_REPLY:
        return replace(read, alert=alert)
    return InboxReply(
        kind="media", language=language, alert=alert,
        html=read.html if read is not None and read.kind in _WITH_CONTENT else "",
        offer_language=read.offer_language if read is not None else None,
    )


async def handle_album_part(
    ctx: AppContext, *, chat_id: int, media: MediaRef, caption: str | None,
    fallback_language: str, now: datetime, forum: StaffChatIsForum | None = None,
) -> InboxReply:
    """A later message of an album whose first was handled already (see the module doc):
    it joins the copy its first message queued (no post of its own, copied together with
    the rest), in one transaction with whatever its caption needs."""
    on_forum = await in_forum(ctx, forum)
    text = (caption or "").strip()
    async with Store(ctx.sessions) as store:
        # Locked first: joining updates the album's waiting copy (see `by_chat_id`).
        patient = await store.patients.by_chat_id(chat_id, lock=True)
        active = patient is not None and patient.status == PatientStatus.ACTIVE
        joined = (active and patient is not None and media.album is not None
                  and await store.escalations.join_album(
                      patient.id, media.album, media.chat_id, media.message_id, now))
        if active and not joined:
            # Its album opened no copy to join (the first was handled another way): on its own.
            reply, _ = await _media(store, ctx, chat_id=chat_id,
                                    media=replace(media, album=None), caption=caption,
                                    fallback_language=fallback_language, now=now)
        elif text:
            reply, _ = await read_text(store, ctx, chat_id=chat_id, text=text,
                                       fallback_language=fallback_language, now=now)
        else:
            reply = InboxReply(
                kind="quiet",
                language=patient.language if patient is not None else fallback_language)
        reply = await store_alert(store, ctx, reply, now, forum=on_forum)
        if patient is not None:
            await store.patients.touch_activity(patient.id, now)
    if joined or reply.alerted:
        ctx.wake_delivery()
    return reply


async def handle_sticker(
    ctx: AppContext, *, chat_id: int, emoji: str | None, fallback_language: str, now: datetime,
    forum: StaffChatIsForum | None = None,
) -> InboxReply:
    """A sticker: small talk (see the module doc), joining the patient's unresolved case in
    the same transaction."""
    on_forum = await in_forum(ctx, forum)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.by_chat_id(chat_id)
        if patient is None:
            return InboxReply(kind="stranger", language=fallback_language)
        if patient.status != PatientStatus.ACTIVE:
            await store.patients.touch_activity(patient.id, now)
            return InboxReply(kind="stopped", language=patient.language)
        enrollment = await current_enrollment(store, patient.id)
        reply = await store_alert(store, ctx, InboxReply(
            kind="smalltalk", language=patient.language, alert=AlertRequest(
                kind=EscalationKind.MESSAGE, patient=patient, enrollment=enrollment,
                words=f"[sticker {emoji or ''}]".replace(" ]", "]"),
            )), now, forum=on_forum)
        await store.patients.touch_activity(patient.id, now)
    if reply.alerted:
        ctx.wake_delivery()
    return reply
