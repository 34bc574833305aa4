"""Data rights: `patient export`, then `patient forget`, then `patient export` again leaves
nothing personal; stored webhook updates are part of both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FakeClock
from storage.database import session_factory
from storage.patient_data import collect_patient_data, forget_patient_data
from storage.repositories import Store
from tests.e2e.harness import ADMIN_ID, REPO, running_bot

LABEL = "Zebedee Quillfeather-Label 4411"
OTHER_LABEL = "Control Patient Ostrich-Label 9090"
RED_FLAG = "I have fever and pus since yesterday, Marmalade-Orbit"
HANDOFF = "Can my tortoise Pemberton-Vex come to the next session?"
CHAT_ID = 7001


async def populate(database_url: str) -> tuple[int, int]:
    """A patient with everything: consent, reminders, a red flag, a hand-off, a check-in
    answer and a /language change; and a control patient. Returns both patient ids."""
    async with running_bot(database_url, quiet_hours=None) as env:
        invite = await env.invite(label=LABEL)
        user = env.patient(CHAT_ID)
        await env.ask(user, f"/start {invite.code}")
        await user.press("Yes")
        await user.expect("/timezone")
        await env.deliver()
        await env.ask(user, RED_FLAG)
        await env.ask(user, HANDOFF)
        await env.deliver(timedelta(hours=32))
        checkin = next(m for m in reversed(env.sent_to(user.id)) if m.buttons)
        await user.press("Feels fine", on_message=checkin)
        await user.expect("recorded")
        other = await env.invite(label=OTHER_LABEL)
        await env.settle()
    return invite.patient_id, other.patient_id


def run_cli(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    settings = tmp_path / "settings.toml"
    settings.write_text("")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "AFTERCARE_", "DATABASE_", "STAFF_"))}
    env.update({"AFTERCARE_SETTINGS": str(settings), "DATABASE_URL": database_url,
                "STAFF_ADMIN_IDS": str(ADMIN_ID)})
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "run_bot.py", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )


def values(data: Any) -> list[Any]:
    """Every scalar anywhere in a JSON document."""
    if isinstance(data, dict):
        return [v for item in data.values() for v in values(item)]
    if isinstance(data, list):
        return [v for item in data for v in values(item)]
    return [data]


async def test_export_forget_export_leaves_nothing_personal(tmp_path: Path) -> None:
    """Export shows every kind of stored row; after forget a second export holds no label,
    no words of the patient and no Telegram id, and the other patient is untouched."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'rights.db'}"
    patient_id, other_id = await populate(url)

    first = run_cli(tmp_path, url, "patient", "export", str(patient_id))
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["patient"]["label"] == LABEL and data["patient"]["chat_id"] == CHAT_ID
    assert data["enrollments"] and data["invites"] and data["messages"]
    assert {m["status"] for m in data["messages"]} >= {"sent", "pending"}
    assert [a["option_id"] for a in data["checkin_answers"]] == ["d1-fine"]
    assert RED_FLAG in [e["patient_text"] for e in data["escalations"]]
    assert "red_flag" in {e["kind"] for e in data["escalations"]}
    assert data["audit_events"]
    assert CHAT_ID in values(data)

    forgotten = run_cli(tmp_path, url, "patient", "forget", str(patient_id))
    assert forgotten.returncode == 0, forgotten.stderr
    assert json.loads(forgotten.stdout)["forgotten"] is True

    second = run_cli(tmp_path, url, "patient", "export", str(patient_id))
    assert second.returncode == 0, second.stderr
    after = json.loads(second.stdout)
    assert after["patient"]["status"] == "forgotten"
    assert after["checkin_answers"] == []
    assert all(e["patient_text"] is None for e in after["escalations"])
    # Nothing more goes to the patient; what still goes to staff is the erased case's card
    # edited to the erased text and the notice that its red flag was open (ids only).
    assert all(m["status"] != "pending" for m in after["messages"] if m["patient_id"])
    pending = [m["kind"] for m in after["messages"] if m["status"] == "pending"]
    assert set(pending) == {"erase", "post"} and pending.count("post") == 1
    assert all(e["status"] == "resolved" and e["closed_reason"] == "erased"
               for e in after["escalations"])
    assert "patient.forget" in [a["action"] for a in after["audit_events"]]
    for secret in (LABEL, "Quillfeather", "Marmalade-Orbit", "Pemberton-Vex", "tortoise"):
        assert secret not in second.stdout, f"{secret!r} survived forget"
    assert CHAT_ID not in values(after)

    control = json.loads(run_cli(tmp_path, url, "patient", "export", str(other_id)).stdout)
    assert control["patient"]["label"] == OTHER_LABEL


def test_unknown_patient_is_a_clear_error(tmp_path: Path) -> None:
    """Exporting or forgetting an id that does not exist: exit 1 and a message, no JSON."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    for action in ("export", "forget"):
        result = run_cli(tmp_path, url, "patient", action, "424242")
        assert result.returncode == 1
        assert "No patient 424242" in result.stderr and result.stdout == ""


async def test_stored_webhook_updates_are_exported_and_erased(db_engine: AsyncEngine) -> None:
    """A persisted webhook update from the patient's chat is part of the export while it
    waits to be handled and is gone after forget; a handled one keeps no payload at all;
    another chat's update stays (both backends)."""
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    clock = FakeClock(now)
    sessions = session_factory(db_engine)
    async with Store(sessions) as db:
        patient = await db.patients.create(
            label=LABEL, language="en", timezone="Asia/Kolkata", created_by=ADMIN_ID, now=now
        )
        await db.patients.set_chat(patient.id, CHAT_ID, now)
        mine = {"message": {"chat": {"id": CHAT_ID}, "text": HANDOFF}}
        theirs = {"message": {"chat": {"id": 9999}, "text": "someone else"}}
        await db.inbound.save_if_new(1, mine, now)
        await db.inbound.save_if_new(2, theirs, now)
        await db.inbound.save_if_new(3, mine, now)
        await db.inbound.mark_processed(3, now)
        await db.audit.record(actor_id=CHAT_ID, action="patient.language", outcome="ok",
                              target=f"patient:{patient.id}", detail="hi", now=now)
        await db.audit.record(actor_id=ADMIN_ID, action="cancel", outcome="ok",
                              target=f"patient:{patient.id}", now=now)
    async with sessions() as session, session.begin():
        data = await collect_patient_data(session, patient.id)
        assert data is not None
        assert [u["update_id"] for u in data["webhook_updates"]] == [1]
        assert await forget_patient_data(session, patient.id, clock.now(), staff_ids=[ADMIN_ID])
    async with sessions() as session, session.begin():
        after = await collect_patient_data(session, patient.id)
        assert after is not None and after["webhook_updates"] == []
        actors = sorted(str(a["actor_id"]) for a in after["audit_events"])
        assert actors == [str(ADMIN_ID), "None"]  # staff stay accountable; the patient's id goes
    async with Store(sessions) as db:
        assert [u.update_id for u in await db.inbound.unprocessed()] == [2]
