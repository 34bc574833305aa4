"""Repositories: async data access per concept, returning core.records values, never ORM rows."""

from __future__ import annotations

from storage.repositories.audit import AuditRepository
from storage.repositories.checkins import CheckinRepository
from storage.repositories.enrollments import EnrollmentRepository
from storage.repositories.escalations import EscalationRepository
from storage.repositories.inbound import InboundUpdateRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.patients import ChatInUseError, PatientRepository
from storage.repositories.staff import StaffRepository
from storage.repositories.store import Repositories, Store

__all__ = [
    "AuditRepository",
    "ChatInUseError",
    "CheckinRepository",
    "EnrollmentRepository",
    "EscalationRepository",
    "InboundUpdateRepository",
    "InviteRepository",
    "MessageRepository",
    "PatientRepository",
    "Repositories",
    "StaffRepository",
    "Store",
]
