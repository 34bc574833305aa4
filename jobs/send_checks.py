"""Send-time checks: what stands in the way of sending a claimed message now, if anything."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias
from zoneinfo import ZoneInfo

from core.local_time import zone_or
from core.quiet_hours import QuietHours, awake_until
from core.records import ERASED_CHAT_ID
from core.statuses import EnrollmentStatus, EscalationStatus, MessageKind, PatientStatus
from jobs.decisions import Gone, InQuietHours, PastExpiry
from storage.outbox import ClaimedMessage

Finding: TypeAlias = Gone | PastExpiry | InQuietHours


class SendChecks:
    """Checked again right before each send, because a backlog (an outage, a long queue)
    must never send stale, cancelled or night-time messages.

    Order: gone (patient or enrollment gone, chat blocked, an escalation timer's case no
    longer open) before expired, then quiet hours
    in the patient's zone. What each finding does to the message is `jobs.decisions.decide`.
    """

    def __init__(self, *, quiet_hours: str | None, clinic_timezone: str) -> None:
        self._quiet = QuietHours.parse(quiet_hours) if quiet_hours else None
        self._clinic_zone = ZoneInfo(clinic_timezone)
        self._zones: dict[str, ZoneInfo] = {}
        self.blocked: set[int] = set()  # chats that answered 403 in this pass

    def check(self, message: ClaimedMessage, now: datetime) -> Finding | None:
        """Why `message` must not be sent now, or None to send it."""
        if message.chat_id in self.blocked or message.chat_id == ERASED_CHAT_ID:
            return Gone(reason="chat unreachable")
        if message.patient_status in PatientStatus.GONE:
            return Gone(reason=f"patient {message.patient_status}")
        if message.enrollment_status in EnrollmentStatus.GONE:
            return Gone(reason=f"enrollment {message.enrollment_status}")
        if (message.case_id is not None and message.kind == MessageKind.ALERT
                and message.case_status != EscalationStatus.OPEN):
            # An escalation timer: someone has the case (or it is over), so no more ladder.
            return Gone(reason=f"case {message.case_status}")
        if message.expires_at is not None and now > message.expires_at:
            return PastExpiry()
        if message.patient_active_at is not None:
            awake = awake_until(message.patient_active_at)
            if awake is not None and message.due_at <= awake and now <= awake:
                return None  # the patient has just written: they are awake
        if self._quiet is not None and message.respects_quiet_hours:
            ends_at, moved = self._quiet.shift(now, self.zone(message.patient_timezone))
            if moved:
                return InQuietHours(ends_at=ends_at)
        return None

    def zone(self, name: str | None) -> ZoneInfo:
        """The patient's zone; the clinic's when unset or unknown."""
        if not name:
            return self._clinic_zone
        zone = self._zones.get(name)
        if zone is None:
            zone = zone_or(name, self._clinic_zone)
            self._zones[name] = zone
        return zone
