"""The console's read queries on SQLite and PostgreSQL: the patient search (any part of the
label in any case, id, newest-enrollment protocol, status, keyset pages), a patient's history from
two indexes, Today's bounded counts, and the plan shown for a patient, notices included."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, update

from core.statuses import PatientStatus
from services import console_today, onboarding
from services.context import AppContext
from storage import console_queries as q
from storage import console_writes as writes
from storage.models import AuditEvent, Patient, ScheduledMessage
from storage.patient_data import patient_target
from storage.patient_search import SAMPLE
from storage.repositories import Store
from tests.integration.services_support import NOW, enrolled

LABELS = ("Asha Rao", "asha k.", "Ravi Asha", "ASHANTI", "Meera", "Áine", "50% off", "Ash_ley")


async def patients(ctx: AppContext, labels: tuple[str, ...] = LABELS) -> list[int]:
    ids = []
    async with Store(ctx.sessions) as store:
        for label in labels:
            patient = await store.patients.create(label=label, language="en",
                                                  timezone="Asia/Kolkata", created_by=1,
                                                  now=NOW)
            ids.append(patient.id)
    return ids


async def search(ctx: AppContext, **wanted: object) -> q.PatientPage:
    async with Store(ctx.sessions) as store:
        return await q.search_patients(store.session, now=NOW, **wanted)  # type: ignore[arg-type]


def labels(page: q.PatientPage) -> list[str | None]:
    return [row.patient.label for row in page.rows]


async def test_search_finds_any_part_of_the_label_in_any_case(ctx: AppContext) -> None:
    """"asha" finds it anywhere in a label, in any case, newest first ("Ravi Asha" too:
    the trigram index); two letters read the table; LIKE's wildcards and FTS5's syntax
    are plain characters."""
    await patients(ctx)
    assert labels(await search(ctx, text="asha")) == [
        "ASHANTI", "Ravi Asha", "asha k.", "Asha Rao"]
    assert labels(await search(ctx, text="ASHA R")) == ["Asha Rao"]
    assert labels(await search(ctx, text="hant")) == ["ASHANTI"]
    assert labels(await search(ctx, text="sh")) == [
        "Ash_ley", "ASHANTI", "Ravi Asha", "asha k.", "Asha Rao"]
    assert labels(await search(ctx, text="50%")) == ["50% off"]
    assert labels(await search(ctx, text="ash_")) == ["Ash_ley"]
    assert labels(await search(ctx, text='"a" OR k')) == []
    assert labels(await search(ctx, text="a%")) == []
    assert labels(await search(ctx, text="zz")) == []


async def test_a_search_of_several_words_is_looked_up_by_its_rare_words(
    ctx: AppContext,
) -> None:
    """Past SAMPLE patients a search of several words is looked up by the words few labels
    hold (storage/patient_search.py) and the whole text checked on each label: the same
    patients as the phrase, newest first, in any case; both words in another order, or
    apart, are no match."""
    common = [f"Sunita Devi (file {1000 + n})" for n in range(SAMPLE)]
    wanted = ["Zoya Mehta (file 4001)", "Mehta Zoya (file 4002)", "zoya mehta (FILE 4003)",
              "Zoya X Mehta (file 4004)", "ZOYA MEHTA (file 4005)"]
    ids = await patients(ctx, (*common, *wanted))
    found = await search(ctx, text="zoya mehta (file 4")
    assert labels(found) == ["ZOYA MEHTA (file 4005)", "zoya mehta (FILE 4003)",
                             "Zoya Mehta (file 4001)"]
    assert labels(await search(ctx, text="Devi (file 1199)")) == ["Sunita Devi (file 1199)"]
    older = await search(ctx, text="zoya mehta (file 4", before=ids[-1])
    assert labels(older) == ["zoya mehta (FILE 4003)", "Zoya Mehta (file 4001)"]


async def test_search_by_id_and_filters(ctx: AppContext) -> None:
    """A number (or #number) matches that id as well as labels containing it; a status
    filter keeps that status; erased patients are never listed."""
    ids = await patients(ctx)
    assert [r.patient.id for r in (await search(ctx, text=f"#{ids[4]}")).rows] == [ids[4]]
    assert labels(await search(ctx, text="50")) == ["50% off"]
    async with Store(ctx.sessions) as store:
        await store.patients.set_status(ids[0], PatientStatus.ACTIVE)
        # As if erased but with its label kept: the status alone keeps it out.
        await store.session.execute(update(Patient).where(Patient.id == ids[1])
                                    .values(status=PatientStatus.FORGOTTEN))
    assert labels(await search(ctx, text="asha", status="active")) == ["Asha Rao"]
    assert labels(await search(ctx, text="asha")) == ["ASHANTI", "Ravi Asha", "Asha Rao"]


async def test_protocol_filter_follows_the_newest_enrollment(ctx: AppContext) -> None:
    """Only patients whose newest enrollment is on the protocol are listed."""
    first, second = await patients(ctx, ("One", "Two"))
    async with Store(ctx.sessions) as store:
        for patient_id, protocol in ((first, "micro-mesotherapy-face"),
                                     (second, "micro-mesotherapy-face"),
                                     (second, "micro-mesotherapy-hair")):
            await store.enrollments.create(patient_id=patient_id, protocol_id=protocol,
                                           session_start=NOW, created_by=1, now=NOW)
    assert labels(await search(ctx, protocol_id="micro-mesotherapy-face")) == ["One"]
    assert labels(await search(ctx, protocol_id="micro-mesotherapy-hair")) == ["Two"]


async def test_keyset_pages_go_older_and_back(ctx: AppContext) -> None:
    """Pages of 3 by id: the first has only older ones, the middle both, and going back
    with `after` gives the first page again."""
    ids = await patients(ctx, tuple(f"Walk-in {n}" for n in range(8)))
    first = await search(ctx, text="walk", limit=3)
    assert [r.patient.id for r in first.rows] == ids[7:4:-1]
    assert (first.newer, first.older) == (False, True)
    middle = await search(ctx, text="walk", limit=3, before=first.rows[-1].patient.id)
    assert [r.patient.id for r in middle.rows] == ids[4:1:-1]
    assert (middle.newer, middle.older) == (True, True)
    last = await search(ctx, text="walk", limit=3, before=middle.rows[-1].patient.id)
    assert [r.patient.id for r in last.rows] == ids[1::-1]
    assert (last.newer, last.older) == (True, False)
    back = await search(ctx, text="walk", limit=3, after=middle.rows[0].patient.id)
    assert back == first


async def test_history_reads_target_and_detail_newest_first(ctx: AppContext) -> None:
    """A patient's history joins events naming them as target and in detail, newest first,
    at most `limit`, none from before `since`."""
    target = patient_target(7)
    rows = [
        {"at": NOW + timedelta(minutes=n), "actor_id": 1, "action": f"a{n}", "outcome": "ok",
         "target": target if n % 2 else "patient:8", "detail": None if n % 2 else target}
        for n in range(6)
    ] + [{"at": NOW - timedelta(days=1), "actor_id": 1, "action": "old", "outcome": "ok",
          "target": target, "detail": None}]
    async with Store(ctx.sessions) as store:
        await store.session.execute(insert(AuditEvent), rows)
        history = await q.audit_for_patient(store.session, target, NOW)
        newest = await q.audit_for_patient(store.session, target, NOW, limit=4)
    assert [e.action for e in history] == ["a5", "a4", "a3", "a2", "a1", "a0"]
    assert [e.action for e in newest] == ["a5", "a4", "a3", "a2"]


def _failed(n: int, at_minute: int) -> dict[str, object]:
    at = NOW - timedelta(minutes=at_minute)
    return {"patient_id": None, "chat_id": 1, "step_id": f"s{n}", "occurrence": n,
            "kind": "reminder", "text": "t", "due_at": at, "status": "failed",
            "available_at": at, "attempts": 1, "created_at": at, "finished_at": at,
            "moved_by_quiet_hours": False, "respects_quiet_hours": True}


async def test_today_counts_are_exact_then_capped(ctx: AppContext) -> None:
    """Today's failed list counts exactly up to COUNT_CAP, then says "at least" (capped),
    and lists the newest first either way."""
    async with Store(ctx.sessions) as store:
        await store.session.execute(insert(ScheduledMessage), [_failed(n, n) for n in range(3)])
        few = await q.failed_since(store.session, NOW - timedelta(days=1), limit=50)
        assert (few.total, few.capped) == (3, False)
        await store.session.execute(insert(ScheduledMessage), [
            _failed(n, 60 + n % 600) for n in range(3, q.COUNT_CAP + 5)])
        many = await q.failed_since(store.session, NOW - timedelta(days=1), limit=50)
    assert (many.total, many.capped) == (q.COUNT_CAP, True)
    assert [m.step_id for m in many.rows[:3]] == ["s0", "s1", "s2"] and len(many.rows) == 50


async def test_a_notice_shows_on_the_patients_page(ctx: AppContext) -> None:
    """A notice to the patient that belongs to no plan is among the patient's messages."""
    [patient_id] = await patients(ctx, ("Notice N.",))
    async with Store(ctx.sessions) as store:
        notice = await writes.enqueue_patient_notice(
            store.session, patient_id=patient_id, chat_id=55, step_id="notice-test",
            text="Hello", now=NOW)
        found = await q.messages_for_patient(store.session, patient_id, [])
    assert [m.id for m in found] == [notice]


async def test_today_names_whose_invite_was_declined(ctx: AppContext) -> None:
    """A declined invite is audited by its enrollment: Today finds the patient and label."""
    code, patient_id = await enrolled(ctx, label="Declined D.")
    await onboarding.decline_invite(ctx, code=code, chat_id=7001, now=NOW)
    view = await console_today.today(ctx, now=ctx.clock.now())
    [event] = [e for e in view.events if e.what == "declined"]
    assert event.patient_id == patient_id and view.labels[patient_id] == "Declined D."
