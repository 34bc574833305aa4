"""Consent repository: which consent wording (its version hash) a patient agreed to, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import require_aware
from core.records import ConsentRecord
from storage.models import Consent


def consent_record(row: Consent) -> ConsentRecord:
    return ConsentRecord(
        id=row.id, patient_id=row.patient_id, enrollment_id=row.enrollment_id,
        text_version=row.text_version, language=row.language, consented_at=row.consented_at,
    )


class ConsentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, *, patient_id: int, enrollment_id: int | None, text_version: str, language: str,
        now: datetime,
    ) -> ConsentRecord:
        require_aware(now, "now")
        row = Consent(patient_id=patient_id, enrollment_id=enrollment_id,
                      text_version=text_version, language=language, consented_at=now)
        self._session.add(row)
        await self._session.flush()
        return consent_record(row)

    async def for_patient(self, patient_id: int) -> tuple[ConsentRecord, ...]:
        rows = await self._session.scalars(
            select(Consent).where(Consent.patient_id == patient_id)
            .order_by(Consent.consented_at, Consent.id)
        )
        return tuple(consent_record(row) for row in rows)
