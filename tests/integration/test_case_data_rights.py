"""Data rights cover cases: export lists a patient's cases and what joined them; /forget and
retention leave none of their words, label or media references in any table, and close
their forum topic in the staff chat (renamed to the bare id) through the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import MetaData, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.data_rights import forget_patient
from app.settings import Settings
from jobs.retention import apply_retention
from services import patient_settings
from services.context import AppContext
from services.staff_alerts import AlertRequest, MediaRef, raise_alert
from storage.models import ScheduledMessage
from storage.patient_data import collect_patient_data
from storage.repositories import Store
from tests.integration.services_support import ALERTS, CHAT, NOW, joined

WORDS = "Zanzibar-Quill swelling question"
LATER = "Ottoline-Brask follow-up"
TOPIC = 77


async def _patient_with_a_case(ctx: AppContext) -> int:
    """A patient with a topic, a case, a joined message and a copied photo."""
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        await store.patients.set_staff_topic(patient_id, TOPIC)
        patient = await store.patients.get(patient_id)
    assert patient is not None

    async def forum() -> bool:
        return True

    await raise_alert(ctx, AlertRequest(kind="handoff", patient=patient, enrollment=None,
                                        words=WORDS), NOW, forum=forum)
    await raise_alert(ctx, AlertRequest(
        kind="media", patient=patient, enrollment=None, words=LATER,
        media=MediaRef(chat_id=CHAT, message_id=9, kind="photo")), NOW, forum=forum)
    return patient_id


async def _every_text(engine: AsyncEngine) -> str:
    """Every value of every table, as one text (the whole database, not only the API)."""
    metadata = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(metadata.reflect)
        values = []
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                values.append(repr(tuple(row)))
    return "\n".join(values)


async def test_export_lists_cases_and_what_joined_them(ctx: AppContext) -> None:
    patient_id = await _patient_with_a_case(ctx)
    async with ctx.sessions() as session:
        data = await collect_patient_data(session, patient_id)
    assert data is not None
    [case] = data["escalations"]
    assert case["patient_text"] == WORDS
    assert [m["patient_text"] for m in data["case_messages"]] == [LATER]
    staff_posts = [m for m in data["messages"] if m["kind"] in ("card", "post", "copy")]
    assert [m["kind"] for m in staff_posts] == ["card", "post", "copy"]


async def _assert_erased(ctx: AppContext, patient_id: int) -> None:
    everything = await _every_text(ctx.engine)
    for secret in ("Zanzibar", "Ottoline", "Asha"):
        assert secret not in everything
    async with ctx.sessions() as session:
        rows = list(await session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.about_patient_id == patient_id)
            .order_by(ScheduledMessage.id)
        ))
    assert all(r.copy_from_chat_id is None and r.copy_message_id is None for r in rows)
    notice, close = rows[-2:]
    assert notice.kind == "post" and "erased their data" in notice.text
    assert (close.kind, close.text, close.thread_id, close.chat_id) == (
        "topic_close", f"#{patient_id}", TOPIC, ALERTS)


async def test_forget_erases_cases_and_closes_the_topic(ctx: AppContext) -> None:
    patient_id = await _patient_with_a_case(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    await patient_settings.forget(ctx, patient, NOW)
    await _assert_erased(ctx, patient_id)


async def test_retention_erases_cases_and_closes_the_topic(ctx: AppContext) -> None:
    patient_id = await _patient_with_a_case(ctx)
    async with ctx.sessions() as session, session.begin():
        # Their plan is over: nothing left to send them (retention waits for that).
        await session.execute(
            update(ScheduledMessage).where(ScheduledMessage.patient_id == patient_id)
            .values(status="expired")
        )
    later = NOW + timedelta(days=400)
    result = await apply_retention(ctx.sessions, days=365, now=later, staff_ids=[1000])
    assert patient_id in result.erased
    await _assert_erased(ctx, patient_id)


async def test_command_line_forget_closes_an_open_red_flag(ctx: AppContext) -> None:
    """`run_bot.py patient forget` during an unacknowledged red flag does what /forget does:
    the ladder's timers are cancelled, the case closed as erased, one staff notice queued."""
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        patient = await store.patients.get(patient_id)
    assert patient is not None
    case = await raise_alert(ctx, AlertRequest(kind="red_flag", patient=patient, enrollment=None,
                                               words=WORDS, rule_id="infection"), NOW)
    async with Store(ctx.sessions) as store:
        assert await store.escalations.ladder_live(case.id)
    assert isinstance(ctx.settings, Settings)
    await forget_patient(ctx.settings, patient_id, now=NOW + timedelta(minutes=3))
    async with Store(ctx.sessions) as store:
        closed = await store.escalations.get(case.id)
        timers = await store.escalations.timers(case.id)
    assert closed is not None and (closed.status, closed.closed_reason) == ("resolved", "erased")
    assert timers and all(status == "cancelled" for _id, status in timers)
    async with ctx.sessions() as session:
        notices = list(await session.scalars(
            select(ScheduledMessage.text).where(ScheduledMessage.case_id == case.id,
                                                ScheduledMessage.kind == "post")))
    assert len(notices) == 1 and "was still unresolved" in notices[0]
    assert f"patient #{patient_id}" in notices[0] and WORDS not in notices[0]
