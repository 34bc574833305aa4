"""At send time: a patient who wrote within the last hour is awake, quiet hours or not."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from jobs.decisions import InQuietHours
from jobs.send_checks import SendChecks
from storage.outbox import ClaimedMessage

NIGHT = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 02:30 in Kolkata, inside 21:00-08:00
MESSAGE = ClaimedMessage(
    id=1, chat_id=1000, patient_id=1, enrollment_id=1, kind="reminder", text="Care",
    options=(), due_at=NIGHT, available_at=NIGHT, expires_at=None,
    respects_quiet_hours=True, moved_by_quiet_hours=False, attempts=0,
    lease_expires_at=NIGHT + timedelta(minutes=1), patient_status="active",
    patient_timezone="Asia/Kolkata", enrollment_status="active",
)
CHECKS = SendChecks(quiet_hours="21:00-08:00", clinic_timezone="Asia/Kolkata")


@pytest.mark.parametrize(
    ("active_at", "held"),
    [
        (None, True),  # never wrote: quiet hours hold it
        (NIGHT - timedelta(minutes=10), False),  # wrote 10 minutes before it fell due
        (NIGHT - timedelta(minutes=61), True),  # the hour had passed when it fell due
        (NIGHT - timedelta(hours=5), True),
    ],
)
def test_quiet_hours_hold_unless_the_patient_is_awake(
    active_at: datetime | None, held: bool
) -> None:
    """Within AWAKE_WINDOW of the patient's own last message a due message goes out."""
    message = dataclasses.replace(MESSAGE, patient_active_at=active_at)
    finding = CHECKS.check(message, NIGHT + timedelta(seconds=5))
    assert isinstance(finding, InQuietHours) is held
