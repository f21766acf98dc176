"""Patients of a clinic: enrolment, their details and the history of changes, and
queries scoped to the clinic."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import accounts, audit, text
from diary.clinics import ClinicError, clean_phone
from diary.models import Measurement, MeasurementKind, Patient, PatientDetailChange, SuspectedType, User

SIDES = ("left", "right", "both")
# The details a clinician may change after enrolment, in the order shown.
DETAILS = ("affected_side", "suspected_type", "diabetes", "phone")


class PatientError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _phone(text: str) -> str:
    try:
        return clean_phone(text)
    except ClinicError as exc:
        raise PatientError("phone", str(exc)) from None


async def enrol_patient(
    session: AsyncSession, *, clinic_id: int, name: str, clinic_number: str, now: datetime,
    code_valid_for: timedelta, created_by: int | None = None, date_of_birth: date | None = None,
    affected_side: str | None = None, suspected_type: SuspectedType = SuspectedType.unknown,
    resting_abi: float | None = None, diabetes: bool | None = None, phone: str = "",
) -> tuple[Patient, str]:
    """Create a patient and a single-use enrolment code for their phone. A resting ABI
    given at enrolment is the patient's first measurement, dated today."""
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
    if affected_side not in (None, *SIDES):
        raise PatientError("affected_side", "Choose left, right or both.")
    phone = _phone(phone)
    taken = await session.execute(
        select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.clinic_number == clinic_number))
    if taken.first():
        raise PatientError("clinic_number", "A patient with this clinic number already exists.")
    patient = Patient(clinic_id=clinic_id, name=name, clinic_number=clinic_number, date_of_birth=date_of_birth,
                      affected_side=affected_side, suspected_type=suspected_type,
                      diabetes=diabetes, phone=phone, created_at=now)
    session.add(patient)
    await session.flush()
    if resting_abi is not None:
        session.add(Measurement(patient_id=patient.id, kind=MeasurementKind.abi, value=resting_abi,
                                measured_on=now.date(), note="Recorded at enrolment", recorded_at=now,
                                recorded_by=created_by))
    code = await accounts.issue_enrolment_code(session, patient, now, code_valid_for, created_by)
    return patient, code


def detail_text(field: str, value: object) -> str:
    """A detail's value as kept in the history ("" = not recorded)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "value", value))


async def update_details(
    session: AsyncSession, patient: Patient, by: User, now: datetime, *, affected_side: str | None,
    suspected_type: SuspectedType, diabetes: bool | None, phone: str, address: str | None = None,
) -> list[str]:
    """Change the patient's details; each change is kept in the history and the
    audit log names the fields changed (their values are health data and stay
    out of the append-only log). Returns the fields changed."""
    if affected_side not in (None, *SIDES):
        raise PatientError("affected_side", "Choose left, right or both.")
    wanted = {"affected_side": affected_side, "suspected_type": suspected_type, "diabetes": diabetes,
              "phone": _phone(phone)}
    changed = [field for field in DETAILS if getattr(patient, field) != wanted[field]]
    for field in changed:
        session.add(PatientDetailChange(patient_id=patient.id, at=now, by_user_id=by.id, field=field,
                                        old=detail_text(field, getattr(patient, field)),
                                        new=detail_text(field, wanted[field])))
        setattr(patient, field, wanted[field])
    if changed:
        session.add(patient)
        await audit.record(session, action="patient.details_changed", now=now, actor=by, patient_id=patient.id,
                           clinic_id=patient.clinic_id, detail={"fields": changed}, address=address)
        await session.flush()
    return changed


async def detail_history(session: AsyncSession, patient_id: int) -> list[PatientDetailChange]:
    query = (select(PatientDetailChange).where(PatientDetailChange.patient_id == patient_id)
             .order_by(PatientDetailChange.at.desc(), PatientDetailChange.id.desc()))
    return list((await session.execute(query)).scalars())


async def clinic_patient(session: AsyncSession, clinic_id: int, patient_id: int) -> Patient | None:
    """A patient only if they belong to the clinic and are not erased: the query itself is scoped."""
    query = select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic_id,
                                  Patient.erased_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()
