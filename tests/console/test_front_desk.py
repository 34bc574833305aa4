"""The console at the front desk (issue 21), on SQLite and PostgreSQL: times as staff type
them and what was typed kept after a refusal; staff by name."""

from __future__ import annotations

import httpx

from storage.repositories import Store
from tests.console.conftest import ADMIN, STAFF
from tests.console.support import Console, enroll_form_token, sign_in
from tests.integration.services_support import NOW, joined


async def test_relative_times_move_the_session(console: Console,
                                               client: httpx.AsyncClient) -> None:
    """`next monday 10:30` on the patient page moves the session there (NOW is a Monday)."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    done = await client.post(f"{console.url}/console/patients/{patient_id}/reschedule",
                             data={"_csrf": csrf, "when": "next monday 10:30"})
    assert done.status_code == 303
    async with Store(console.ctx.sessions) as store:
        [enrollment] = await store.enrollments.list_for_patient(patient_id)
    local = enrollment.session_start.astimezone(console.ctx.zone)
    assert (local.strftime("%A %Y-%m-%d %H:%M")) == "Monday 2026-03-09 10:30"


async def test_a_refused_time_keeps_what_was_typed(console: Console,
                                                   client: httpx.AsyncClient) -> None:
    """A time the console cannot read is refused with the accepted forms, and every field
    comes back as typed (Enroll, reschedule, new session)."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    for action in ("reschedule", "session"):
        page = await client.post(f"{console.url}/console/patients/{patient_id}/{action}",
                                 data={"_csrf": csrf, "when": "next fortnight 10am"})
        assert page.status_code == 400
        assert "could not read" in page.text and "next monday 10:30" in page.text
        assert 'value="next fortnight 10am"' in page.text
    token = await enroll_form_token(console, client)
    page = await client.post(f"{console.url}/console/enroll", data={
        "_csrf": csrf, "_form": token, "protocol": "micro-mesotherapy-hair",
        "when": "friday 5", "label": "Sunita Devi"})
    assert page.status_code == 400 and "morning or evening" in page.text
    assert 'value="friday 5"' in page.text and 'value="Sunita Devi"' in page.text
    assert 'value="micro-mesotherapy-hair" selected' in page.text


async def test_today_names_who_holds_each_case(console: Console,
                                               client: httpx.AsyncClient) -> None:
    """Today says "Acknowledged by Anita (@anita_k)." and "Assigned to you." (never
    "1002yours"), and the header names who is signed in."""
    ctx = console.ctx
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        await store.telegram_users.seen(STAFF, "Anita", "anita_k", NOW)
        await store.telegram_users.seen(ADMIN, "Dr Rao", None, NOW)
        mine = await store.escalations.open(patient_id=patient_id, enrollment_id=None,
                                            kind="handoff", rule_id=None, patient_text="?",
                                            now=NOW)
        theirs = await store.escalations.open(patient_id=patient_id, enrollment_id=None,
                                              kind="handoff", rule_id=None,
                                              patient_text="?", now=NOW)
        await store.escalations.acknowledge(mine.id, ADMIN, NOW)
        await store.escalations.assign(mine.id, STAFF)
        await store.escalations.acknowledge(theirs.id, STAFF, NOW)
        await store.escalations.assign(theirs.id, ADMIN)
    await sign_in(console, client, STAFF)
    page = (await client.get(console.url + "/console/")).text
    assert "Acknowledged by Dr Rao." in page and "Assigned to you." in page
    assert "Acknowledged by Anita (@anita_k)." in page and "Assigned to Dr Rao." in page
    assert '<span class="who">Anita (@anita_k)</span>' in page
    assert "yours" not in page and f"{STAFF}" not in page.split("</header>", 1)[1]


async def test_search_by_any_part_of_the_label_or_the_id(console: Console,
                                                         client: httpx.AsyncClient) -> None:
    """The reported searches find their patient ("Johnson", "devi", "2231" in "Sarah
    Johnson (file 2231)"), Devanagari and accented labels too; an erased label is gone
    from the index; the page shows procedures by name."""
    ctx = console.ctx
    async with Store(ctx.sessions) as store:
        made = {}
        for label in ("Sarah Johnson (file 2231)", "Sunita Devi", "सुनीता देवी", "Áine Byrne",
                      "Ravi Kumar"):
            patient = await store.patients.create(label=label, language="en",
                                                  timezone="Asia/Kolkata", created_by=1,
                                                  now=NOW)
            await store.enrollments.create(patient_id=patient.id,
                                           protocol_id="micro-mesotherapy-hair",
                                           session_start=NOW, created_by=1, now=NOW)
            made[label] = patient.id
        await store.patients.forget(made["Ravi Kumar"], NOW)
    await sign_in(console, client, STAFF)

    async def found(text: str) -> str:
        page = await client.get(f"{console.url}/console/patients", params={"q": text})
        assert page.status_code == 200
        return page.text

    for text, label in (("Johnson", "Sarah Johnson"), ("devi", "Sunita Devi"),
                        ("2231", "Sarah Johnson"), ("देवी", "सुनीता देवी"),
                        ("byrne", "Áine Byrne")):
        assert label in await found(text), text
    assert "Sunita Devi" not in await found("Johnson")
    assert "No patients match" in await found("kumar")  # erased: out of the index too
    page = await found("devi")
    assert "Micro mesotherapy (hair)" in page and ">micro-mesotherapy-hair<" not in page


async def test_a_common_word_and_a_rare_one_at_scale(console: Console) -> None:
    """With more patients than the recent window (PostgreSQL reads a common word from the
    newest 2,000 first), the pages are exactly the newest matches, and a rare word far
    back is still found through the index; keyset paging continues below the page."""
    from sqlalchemy import insert

    from storage import console_queries as q
    from storage.models import Patient

    ctx = console.ctx
    rows = [{"id": i, "label": f"Kapoor {i}" if i % 7 == 0 else f"Shah {i}",
             "language": "en", "timezone": "Asia/Kolkata", "status": "active",
             "created_at": NOW} for i in range(1, 2601)]
    rows[4]["label"] = "Zoya Rare"
    async with Store(ctx.sessions) as store:
        await store.session.execute(insert(Patient), rows)
    async with Store(ctx.sessions) as store:
        page = await q.search_patients(store.session, now=NOW, text="kapoor", limit=30)
        older = await q.search_patients(store.session, now=NOW, text="kapoor", limit=30,
                                        before=page.rows[-1].patient.id)
        rare = await q.search_patients(store.session, now=NOW, text="zoya", limit=30)
    kapoors = [i for i in range(2600, 0, -1) if i % 7 == 0]
    assert [r.patient.id for r in page.rows] == kapoors[:30] and page.older
    assert [r.patient.id for r in older.rows] == kapoors[30:60] and older.newer
    assert [r.patient.id for r in rare.rows] == [5]


async def test_stats_count_hair_checkins_and_not_pre_care_planned_late(
    console: Console,
) -> None:
    """Stats has the hair protocol's check-in answers beside the face's (they share step
    ids), and pre-care already past when the plan was made is not drawn as "expired"."""
    from services import console_stats, onboarding
    from tests.integration.services_support import CHAT, enrolled

    ctx = console.ctx
    code, _face = await enrolled(ctx)
    await onboarding.accept_invite(ctx, code=code, chat_id=CHAT, language_code="en", now=NOW)
    async with Store(ctx.sessions) as store:
        hair = await store.patients.create(label="Hair", language="en", timezone="Asia/Kolkata",
                                           created_by=1, now=NOW)
        enrollment = await store.enrollments.create(
            patient_id=hair.id, protocol_id="micro-mesotherapy-hair", session_start=NOW,
            created_by=1, now=NOW)
        invite_code = "h" * 22
        from core.invites import hash_code
        await store.invites.create(enrollment_id=enrollment.id, code_hash=hash_code(invite_code),
                                   expires_at=NOW.replace(day=9), now=NOW)
    await onboarding.accept_invite(ctx, code=invite_code, chat_id=CHAT + 1, language_code="en",
                                   now=NOW)
    async with Store(ctx.sessions) as store:
        plan = await store.messages.list_for_enrollment(enrollment.id)
        checkin = next(m for m in plan if m.step_id == "checkin-day1")
        option = checkin.options[0].id
        await store.checkins.record(message_id=checkin.id, patient_id=hair.id,
                                    enrollment_id=enrollment.id, step_id="checkin-day1",
                                    option_id=option, escalated=False, now=NOW)
        expired_at_planning = [m for m in plan if m.status == "expired"]
    assert expired_at_planning  # the hair pre-care, two weeks before a session today
    figures = await console_stats.console_stats(ctx, now=ctx.clock.now())
    assert sum(day.counts["expired"] for day in figures.days) == 0
    steps = {(s.protocol_id, s.step_id): dict(s.answers) for s in figures.steps}
    assert ("micro-mesotherapy-hair", "checkin-day1") in steps
    assert ("micro-mesotherapy-face", "checkin-day1") in steps
    assert sum(steps[("micro-mesotherapy-hair", "checkin-day1")].values()) == 1
    assert sum(steps[("micro-mesotherapy-face", "checkin-day1")].values()) == 0


async def test_cancel_shows_cancelled_and_undo_puts_it_back(console: Console,
                                                            client: httpx.AsyncClient) -> None:
    """Cancel care on the patient page: the patient is "cancelled" on their page, in the
    list, under the status filter and in Stats; "Undo the cancel" puts the plan back."""
    patient_id = await joined(console.ctx)
    csrf = await sign_in(console, client, STAFF)
    base = f"{console.url}/console/patients/{patient_id}"
    done = await client.post(f"{base}/cancel", data={"_csrf": csrf})
    assert done.status_code == 303
    page = (await client.get(base)).text
    assert 'badge st-cancelled">cancelled<' in page and "Undo the cancel" in page
    listing = (await client.get(f"{console.url}/console/patients",
                                params={"status": "cancelled"})).text
    assert f"/console/patients/{patient_id}" in listing
    active = (await client.get(f"{console.url}/console/patients",
                               params={"status": "active"})).text
    assert f"/console/patients/{patient_id}\"" not in active
    stats = (await client.get(f"{console.url}/console/stats")).text
    assert "cancelled patients</dt><dd>1</dd>" in stats
    undone = await client.post(f"{base}/undo", data={"_csrf": csrf})
    assert undone.status_code == 303 and "done=undone" in undone.headers["location"]
    page = (await client.get(base)).text
    assert 'badge st-active">active<' in page and "Undo the cancel" not in page
    async with Store(console.ctx.sessions) as store:
        [enrollment] = await store.enrollments.list_for_patient(patient_id)
        plan = await store.messages.list_for_enrollment(enrollment.id)
    assert enrollment.status == "active" and any(m.status == "pending" for m in plan)
    again = await client.post(f"{base}/undo", data={"_csrf": csrf})
    assert again.status_code == 400 and "no cancel to undo" in again.text
