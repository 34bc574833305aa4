"""Store: one transaction exposing every repository; commits on success, rolls back on error."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories.audit import AuditRepository
from storage.repositories.bookings import BookingRepository
from storage.repositories.cancellations import CancellationRepository
from storage.repositories.checkins import CheckinRepository
from storage.repositories.consent_offers import ConsentOfferRepository
from storage.repositories.consents import ConsentRepository
from storage.repositories.console_tokens import ConsoleTokenRepository
from storage.repositories.courses import CourseRepository
from storage.repositories.enrollments import EnrollmentRepository
from storage.repositories.escalations import EscalationRepository
from storage.repositories.inbound import InboundUpdateRepository
from storage.repositories.invites import InviteRepository
from storage.repositories.join_requests import JoinRequestRepository
from storage.repositories.messages import MessageRepository
from storage.repositories.patients import PatientRepository
from storage.repositories.photo_checkins import PhotoCheckinRepository
from storage.repositories.staff import StaffRepository
from storage.repositories.telegram_users import TelegramUserRepository


class Repositories:
    """Every repository over one session (for callers that own the session themselves)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.staff = StaffRepository(session)
        self.patients = PatientRepository(session)
        self.enrollments = EnrollmentRepository(session)
        self.invites = InviteRepository(session)
        self.messages = MessageRepository(session)
        self.checkins = CheckinRepository(session)
        self.escalations = EscalationRepository(session)
        self.audit = AuditRepository(session)
        self.inbound = InboundUpdateRepository(session)
        self.console_tokens = ConsoleTokenRepository(session)
        self.bookings = BookingRepository(session)
        self.courses = CourseRepository(session)
        self.photos = PhotoCheckinRepository(session)
        self.consents = ConsentRepository(session)
        self.telegram_users = TelegramUserRepository(session)
        self.cancellations = CancellationRepository(session)
        self.join_requests = JoinRequestRepository(session)
        self.consent_offers = ConsentOfferRepository(session)


class Store(Repositories):
    """`async with Store(sessions) as store:` one unit of work over all repositories."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions())

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()
