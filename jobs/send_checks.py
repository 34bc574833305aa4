"""Send-time checks: what happens to a claimed message instead of sending it, if anything."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.quiet_hours import QuietHours
from core.records import ERASED_CHAT_ID
from storage.outbox import ClaimedMessage, Outcome

GONE_PATIENT = frozenset({"stopped", "unreachable", "forgotten"})
GONE_ENROLLMENT = frozenset({"cancelled", "stopped"})


class SendChecks:
    """Checked again right before each send, because a backlog (an outage, a long queue)
    must never send stale, cancelled or night-time messages.

    Order: cancelled (patient or enrollment gone, chat blocked) before expired, then
    quiet hours in the patient's zone (moved to their end, or expired if that is too late).
    """

    def __init__(self, *, quiet_hours: str | None, clinic_timezone: str) -> None:
        self._quiet = QuietHours.parse(quiet_hours) if quiet_hours else None
        self._clinic_zone = ZoneInfo(clinic_timezone)
        self._zones: dict[str, ZoneInfo] = {}
        self.blocked: set[int] = set()  # chats that answered 403 in this process

    def check(self, message: ClaimedMessage, now: datetime) -> Outcome | None:
        """The outcome that replaces sending `message` now, or None to send it."""
        reason = None
        if message.chat_id in self.blocked or message.chat_id == ERASED_CHAT_ID:
            reason = "chat unreachable"
        elif message.patient_status in GONE_PATIENT:
            reason = f"patient {message.patient_status}"
        elif message.enrollment_status in GONE_ENROLLMENT:
            reason = f"enrollment {message.enrollment_status}"
        if reason is not None:
            return Outcome(message_id=message.id, status="cancelled", at=now, last_error=reason)
        if message.expires_at is not None and now > message.expires_at:
            return Outcome(message_id=message.id, status="expired", at=now)
        if self._quiet is not None and message.respects_quiet_hours:
            later, moved = self._quiet.shift(now, self.zone(message.patient_timezone))
            if moved:
                if message.expires_at is not None and later > message.expires_at:
                    return Outcome(message_id=message.id, status="expired", at=now,
                                   last_error="would fall after expiry (quiet hours)")
                return Outcome(message_id=message.id, status="pending", at=now,
                               available_at=later, moved_by_quiet_hours=True)
        return None

    def zone(self, name: str | None) -> ZoneInfo:
        """The patient's zone; the clinic's when unset or unknown."""
        if not name:
            return self._clinic_zone
        zone = self._zones.get(name)
        if zone is None:
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                zone = self._clinic_zone
            self._zones[name] = zone
        return zone
