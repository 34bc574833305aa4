"""The status and kind enums: stored texts unchanged, groups consistent, parsing strict."""

from __future__ import annotations

import pytest

from core.records import ROW_ID_MAX
from core.statuses import (
    AuditOutcome,
    BookingStatus,
    CourseStatus,
    EnrollmentStatus,
    EscalationKind,
    EscalationStatus,
    MessageKind,
    MessageStatus,
    PatientStatus,
    parse,
)


def test_values_are_the_stored_texts() -> None:
    """Every member's value is the text the database already holds (no data migration)."""
    assert [s.value for s in PatientStatus] == [
        "invited", "active", "stopped", "unreachable", "forgotten", "merged"]
    assert [s.value for s in EnrollmentStatus] == [
        "invited", "active", "booked", "cancelled", "stopped", "superseded",
    ]
    assert [s.value for s in MessageStatus] == [
        "pending", "sending", "sent", "expired", "cancelled", "failed"]
    # Kinds added later are new texts, stored in the same columns (String(16) / String(32)).
    assert [k.value for k in MessageKind] == [
        "reminder", "checkin", "alert", "card", "post", "copy", "card_edit", "topic_close",
        "topic_open", "notice", "erase", "delete", "photo", "outcome", "confirm", "recall"]
    assert max(len(k.value) for k in MessageKind) <= 16
    assert [k.value for k in EscalationKind] == [
        "red_flag", "checkin", "handoff", "delivery", "media", "message", "booking",
        "unreachable", "outcome"]
    assert max(len(k.value) for k in EscalationKind) <= 32
    # "closed" rows became "resolved" in migration 0006.
    assert [s.value for s in EscalationStatus] == ["open", "acknowledged", "resolved"]
    assert [o.value for o in AuditOutcome] == ["ok", "refused", "invalid", "error"]
    # A course of treatment (migration 0012): String(24) and String(16).
    assert [s.value for s in BookingStatus] == [
        "booked", "confirmed", "change_requested", "done", "no_show", "cancelled"]
    assert max(len(s.value) for s in BookingStatus) <= 24
    assert [s.value for s in CourseStatus] == ["active", "completed", "dropped"]


def test_members_behave_as_their_text() -> None:
    """A member equals, hashes and formats as its text, so str-keyed code keeps working."""
    assert PatientStatus.ACTIVE == "active" and {"active": 1}[PatientStatus.ACTIVE] == 1
    assert f"patient {PatientStatus.STOPPED}" == "patient stopped"
    assert "pending" in MessageStatus.OPEN


def test_groups_split_their_enum() -> None:
    """Each pair of groups covers every member exactly once."""
    assert set(PatientStatus) == PatientStatus.LIVE | PatientStatus.GONE
    assert not PatientStatus.LIVE & PatientStatus.GONE
    assert set(EnrollmentStatus) == EnrollmentStatus.LIVE | EnrollmentStatus.GONE
    assert not EnrollmentStatus.LIVE & EnrollmentStatus.GONE
    assert set(MessageStatus) == MessageStatus.OPEN | MessageStatus.TERMINAL
    assert not MessageStatus.OPEN & MessageStatus.TERMINAL
    assert {MessageStatus.PENDING, MessageStatus.EXPIRED} == MessageStatus.PLANNED


def test_parse_accepts_members_and_texts_only() -> None:
    """`parse` gives the member for its text or itself, and names what it expected."""
    assert parse(PatientStatus, "active", "patient status") is PatientStatus.ACTIVE
    assert parse(AuditOutcome, AuditOutcome.OK, "audit outcome") is AuditOutcome.OK
    with pytest.raises(ValueError, match="unknown patient status 'sleeping'"):
        parse(PatientStatus, "sleeping", "patient status")


def test_case_buttons_round_trip_and_fit() -> None:
    """Case-card callback data names the action and case, fits 64 bytes, and rejects forgeries."""
    from bot import callbacks

    data = callbacks.case("a", ROW_ID_MAX)
    assert callbacks.fits(data) and callbacks.split_case(data) == ("acknowledge", ROW_ID_MAX)
    assert callbacks.split_case(callbacks.case("m", 5)) == ("assign", 5)
    for forged in ("case:x:5", "case:a:", "case:a:5x", "case:r:" + "9" * 20, "case:a:-1",
                   f"case:a:{ROW_ID_MAX + 1}", "case:a:0"):
        assert callbacks.split_case(forged) is None
