"""Patients of a clinic: enrolment, and queries scoped to the clinic."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import accounts, text
from diary.models import Patient, SuspectedType


class PatientError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


async def enrol_patient(
    session: AsyncSession, *, clinic_id: int, name: str, clinic_number: str, now: datetime,
    code_valid_for: timedelta, created_by: int | None = None, date_of_birth: date | None = None,
    affected_side: str | None = None, suspected_type: SuspectedType = SuspectedType.unknown,
    resting_abi: float | None = None,
) -> tuple[Patient, str]:
    """Create a patient and a single-use enrolment code for their phone."""
    try:
        name = text.line(name, "name", text.NAME_CHARS)
        clinic_number = text.line(clinic_number, "clinic_number", text.NUMBER_CHARS)
    except text.TextError as exc:
        raise PatientError(exc.field, exc.sentence) from None
    if not name:
        raise PatientError("name", "Enter the patient's name.")
    if not clinic_number:
        raise PatientError("clinic_number", "Enter the clinic number.")
    if resting_abi is not None and not 0 <= resting_abi <= 3:
        raise PatientError("resting_abi", "A resting ABI is between 0 and 3.")
    taken = await session.execute(
        select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.clinic_number == clinic_number))
    if taken.first():
        raise PatientError("clinic_number", "A patient with this clinic number already exists.")
    patient = Patient(clinic_id=clinic_id, name=name, clinic_number=clinic_number, date_of_birth=date_of_birth,
                      affected_side=affected_side, suspected_type=suspected_type, resting_abi=resting_abi,
                      created_at=now)
    session.add(patient)
    await session.flush()
    code = await accounts.issue_enrolment_code(session, patient, now, code_valid_for, created_by)
    return patient, code


async def clinic_patient(session: AsyncSession, clinic_id: int, patient_id: int) -> Patient | None:
    """A patient only if they belong to the clinic and are not erased: the query itself is scoped."""
    query = select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic_id,
                                  Patient.erased_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()
