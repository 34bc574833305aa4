"""A NUL (or another control character) in what people type is dropped before it is
stored: PostgreSQL refuses NUL in text, which once made a red-flag alert fail."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.sanitize import clean_text
from services.enrollment import check_label
from storage.database import session_factory
from storage.repositories import Store

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def test_clean_text_keeps_lines_and_drops_controls() -> None:
    """Tabs and line breaks stay; NUL, escape, DEL and bidi overrides go."""
    assert clean_text("fever\x00 and\tpus\nhelp\x1b[31m\x7f\u202e") == "fever and\tpus\nhelp[31m"
    assert check_label("Asha\x00 K") == "Asha K"


async def test_a_nul_in_a_red_flag_is_stored_on_both_backends(db_engine: AsyncEngine) -> None:
    """The escalation row and a label with NUL are stored (SQLite and PostgreSQL)."""
    async with Store(session_factory(db_engine)) as db:
        patient = await db.patients.create(
            label="Ravi\x00", language="en", timezone="Asia/Kolkata", created_by=1, now=NOW
        )
        escalation = await db.escalations.open(
            patient_id=patient.id, enrollment_id=None, kind="red_flag", rule_id="fever",
            patient_text="i have fever\x00 and pus", now=NOW,
        )
    assert patient.label == "Ravi"
    assert escalation.patient_text == "i have fever and pus"
