"""Erasure that is complete: after /forget nothing in the tables identifies the patient,
not the audit trail of a declined invite, not stored updates, not chat pacing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import session_factory
from storage.models import AuditEvent, ChatPacing, InboundUpdate
from storage.patient_data import forget_patient_data
from storage.repositories import Store

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CHAT = 777001
STAFF = 1000


async def test_forget_leaves_no_patient_id_in_audit_updates_or_pacing(
    db_engine: AsyncEngine,
) -> None:
    """The patient's Telegram id as actor of invite.decline and of a refused second accept,
    a staff /enroll update with the label, and the chat's pacing row: all gone."""
    sessions = session_factory(db_engine)
    async with Store(sessions) as db:
        patient = await db.patients.create(
            label="Kavya", language="en", timezone="Asia/Kolkata", created_by=STAFF, now=NOW
        )
        enrollment = await db.enrollments.create(
            patient_id=patient.id, protocol_id="micro-mesotherapy-face", session_start=NOW,
            created_by=STAFF, now=NOW,
        )
        await db.audit.record(actor_id=CHAT, action="invite.decline", outcome="ok",
                              target=f"enrollment:{enrollment.id}", detail="code ok", now=NOW)
        await db.patients.set_chat(patient.id, CHAT, NOW)
        await db.audit.record(actor_id=CHAT, action="invite.accept", outcome="invalid",
                              detail="code used", now=NOW)
        await db.audit.record(actor_id=STAFF, action="enroll", outcome="ok",
                              target=f"patient:{patient.id}", now=NOW)
        staff_enroll = {"message": {"chat": {"id": STAFF}, "from": {"id": STAFF},
                                    "text": "/enroll micro-mesotherapy-face Kavya"}}
        await db.inbound.save_if_new(50, staff_enroll, NOW)
        await db.inbound.mark_processed(50, NOW)
    async with sessions() as session, session.begin():
        session.add(ChatPacing(chat_id=CHAT, next_allowed=1.0))
        session.add(ChatPacing(chat_id=4242, next_allowed=1.0))
    async with sessions() as session, session.begin():
        assert await forget_patient_data(session, patient.id, NOW, staff_ids=[STAFF])
    async with sessions() as session:
        actors = sorted(str(a) for a in await session.scalars(select(AuditEvent.actor_id)))
        assert actors == ["1000", "None", "None"]  # staff stay; the patient's id is gone
        payloads = list(await session.scalars(select(InboundUpdate.payload)))
        assert "Kavya" not in repr(payloads)
        pacing = list(await session.scalars(select(ChatPacing.chat_id)))
        assert pacing == [4242]


async def test_forget_takes_merged_records_and_the_chats_questions(
    db_engine: AsyncEngine,
) -> None:
    """Erasing a returning patient erases the record staff merged into theirs (its label is
    about them), their returning-patient questions and the consent question their chat
    was shown."""
    from storage.models import ConsentOffer, JoinRequest

    sessions = session_factory(db_engine)
    async with Store(sessions) as db:
        priya = await db.patients.create(label="Priya", language="en", timezone="Asia/Kolkata",
                                         created_by=STAFF, now=NOW)
        kabir = await db.patients.create(label="Kabir", language="en", timezone="Asia/Kolkata",
                                         created_by=STAFF, now=NOW)
        await db.patients.set_chat(priya.id, CHAT, NOW)
        enrollment = await db.enrollments.create(
            patient_id=kabir.id, protocol_id="micro-mesotherapy-hair", session_start=NOW,
            created_by=STAFF, now=NOW)
        invite = await db.invites.create(enrollment_id=enrollment.id, code_hash="c" * 64,
                                         expires_at=NOW, now=NOW)
        request = await db.join_requests.create(enrollment_id=enrollment.id,
                                                invited_id=kabir.id, patient_id=priya.id,
                                                chat_id=CHAT, language=None, now=NOW)
        await db.join_requests.decide(request.id, "merge", STAFF, NOW)
        await db.patients.set_status(kabir.id, "merged")
        await db.consent_offers.offered(CHAT, invite.id, "en", NOW)
    async with sessions() as session, session.begin():
        assert await forget_patient_data(session, priya.id, NOW, staff_ids=[STAFF])
    async with Store(sessions) as db:
        merged = await db.patients.get(kabir.id)
        assert merged is not None and merged.label is None and merged.status == "forgotten"
        assert list(await db.session.scalars(select(JoinRequest.id))) == []
        assert list(await db.session.scalars(select(ConsentOffer.chat_id))) == []
