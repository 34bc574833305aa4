"""The console's course pages over the real HTTP server, on SQLite and PostgreSQL: booked
sessions recorded from Today (CSRF, audited), a new invite link for someone who has not
joined, photos only for signed-in staff and only of that patient (audited; no bot: a polite
502), the clinic's day as ICS."""

from __future__ import annotations

from datetime import timedelta

import httpx
from icalendar import Calendar
from sqlalchemy import update

from services import photo_checkins, sessions
from services.context import AppContext
from services.staff_alerts import MediaRef
from storage.models import ScheduledMessage
from storage.repositories import Store
from tests.console.conftest import STAFF, clock_of
from tests.console.support import Console, sign_in
from tests.integration.services_support import NOW, enrolled, joined


async def booked(ctx: AppContext) -> tuple[int, int]:
    """A joined patient with the next session booked for tomorrow 16:00 (clinic time):
    (patient id, booking id)."""
    patient_id = await joined(ctx)
    made = await sessions.new_session(ctx, patient_id, NOW + timedelta(days=1, hours=5),
                                      staff_id=STAFF, now=ctx.clock.now())
    assert made.booked and made.booking_id is not None
    return patient_id, made.booking_id


async def test_today_lists_tomorrow_and_records_a_session(console: Console,
                                                          client: httpx.AsyncClient) -> None:
    """Tomorrow's booked session shows "not confirmed" on Today; a day after its time it is
    asked about; Done records it (audited as session by the staff member); a POST without
    CSRF changes nothing."""
    ctx = console.ctx
    patient_id, booking_id = await booked(ctx)
    csrf = await sign_in(console, client, STAFF)
    page = await client.get(f"{console.url}/console/")
    assert "Tomorrow:</strong> 1 session, 0 confirmed" in page.text
    assert "not confirmed" in page.text
    clock_of(ctx).advance(timedelta(days=2, hours=6))
    csrf = await sign_in(console, client, STAFF)  # the earlier session ran out meanwhile
    page = await client.get(f"{console.url}/console/")
    assert "Not recorded: done or no-show?" in page.text
    refused = await client.post(f"{console.url}/console/bookings/{booking_id}/done", data={})
    assert refused.status_code == 403
    done = await client.post(f"{console.url}/console/bookings/{booking_id}/done",
                             data={"_csrf": csrf})
    assert done.status_code == 303 and done.headers["location"].endswith("?booking=done")
    again = await client.post(f"{console.url}/console/bookings/{booking_id}/noshow",
                              data={"_csrf": csrf, "patient": str(patient_id)})
    assert again.headers["location"].endswith(f"/patients/{patient_id}?booking=gone")
    async with Store(ctx.sessions) as store:
        booking = await store.bookings.get(booking_id)
        history = await store.audit.list(action="session", actor_id=STAFF)
    assert booking is not None and booking.status == "done"
    assert history and f"booking:{booking_id} done" in (history[0].detail or "")


async def test_a_new_link_for_someone_who_has_not_joined(console: Console,
                                                         client: httpx.AsyncClient) -> None:
    """After invites.nudge_hours the invitation is on Today; "Resend link / show QR" makes a
    new link with its QR code (the old one stops working); a joined patient gets none."""
    ctx = console.ctx
    _code, waiting = await enrolled(ctx, label="Late Lata")
    clock_of(ctx).advance(timedelta(hours=25))
    csrf = await sign_in(console, client, STAFF)
    page = await client.get(f"{console.url}/console/")
    assert "Late Lata" in page.text and "link not opened" in page.text
    fresh = await client.post(f"{console.url}/console/patients/{waiting}/invite",
                              data={"_csrf": csrf})
    assert fresh.status_code == 200 and 'class="qr-code"' in fresh.text
    assert "A new link: the earlier one no longer works." in fresh.text
    joined_id = await joined(ctx)
    none = await client.post(f"{console.url}/console/patients/{joined_id}/invite",
                             data={"_csrf": csrf})
    assert none.status_code == 400


async def test_photos_only_for_staff_and_only_that_patients(console: Console,
                                                            client: httpx.AsyncClient) -> None:
    """A photo check-in's image: not for anyone signed out (sign-in page), 404 under another
    patient's number, and without a bot in this process a 502 page; each look audited."""
    ctx = console.ctx
    patient_id = await joined(ctx)
    async with Store(ctx.sessions) as store:
        plan = await store.messages.upcoming_for_patient(patient_id, NOW, limit=200)
        [request] = [m for m in plan if m.kind == "photo"]
        # As delivery would have sent it.
        await store.session.execute(update(ScheduledMessage).where(
            ScheduledMessage.id == request.id).values(status="sent", sent_at=NOW))
        patient = await store.patients.get(patient_id)
    assert patient is not None
    async with Store(ctx.sessions) as store:
        photo = await photo_checkins.receive(store, patient=patient, media=MediaRef(
            chat_id=patient.chat_id or 0, message_id=9, kind="photo", file_id="AgAC-file"),
            now=NOW)
    assert photo is not None
    url = f"{console.url}/console/patients/{patient_id}/photos/{photo.id}"
    anonymous = await client.get(url)
    assert "Sign in" in anonymous.text and anonymous.headers["content-type"].startswith("text")
    await sign_in(console, client, STAFF)
    elsewhere = await client.get(
        f"{console.url}/console/patients/{patient_id + 1}/photos/{photo.id}")
    assert elsewhere.status_code == 404
    no_bot = await client.get(url)
    assert no_bot.status_code == 502 and "Photo unavailable" in no_bot.text
    async with Store(ctx.sessions) as store:
        looks = await store.audit.list(action="patient.photo")
    assert sorted(e.outcome for e in looks) == ["invalid", "ok"]


async def test_the_clinics_day_as_a_calendar_file(console: Console,
                                                  client: httpx.AsyncClient) -> None:
    """GET /console/calendar.ics?day=: the day's booked sessions, patient number and label,
    in the clinic's zone; a nonsense day falls back to today (empty)."""
    ctx = console.ctx
    patient_id, _booking = await booked(ctx)
    await sign_in(console, client, STAFF)
    day = (NOW + timedelta(days=1)).date().isoformat()
    response = await client.get(f"{console.url}/console/calendar.ics", params={"day": day})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert f"#{patient_id} Asha <i>" in str(event["summary"])
    assert event["dtstart"].params["TZID"] == "Asia/Kolkata"
    odd = await client.get(f"{console.url}/console/calendar.ics", params={"day": "2026-02-31"})
    assert odd.status_code == 200 and not Calendar.from_ical(odd.content).walk("VEVENT")
