"""A patient's measurements over time: resting ankle-brachial index (ABI) and toe pressure.

Clinicians record each one with the date it was measured and, where known,
the leg. A mistaken row is removed, not deleted: it keeps who removed it and
when, and leaves the list. Adding and removing are audited (without the
values: the audit log never holds health data). The bands quoted beside an
ABI are those of the AHA/ACC guideline (2016, kept in 2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import audit, text
from diary.models import Measurement, MeasurementKind, Patient, User

SIDES = ("left", "right")


@dataclass(frozen=True)
class KindRule:
    label: str
    unit: str           # shown after the value
    low: float
    high: float
    example: str
    decimals: int


KINDS: dict[MeasurementKind, KindRule] = {
    MeasurementKind.abi: KindRule("Resting ABI", "", 0.0, 3.0, "0.72", 2),
    MeasurementKind.toe_pressure: KindRule("Toe pressure", "mmHg", 0.0, 300.0, "45", 0),
}


class MeasurementError(ValueError):
    """A measurement that cannot be kept: ``problems`` maps each field at fault to its message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


def abi_band(value: float) -> str:
    """Resting ABI bands (AHA/ACC 2016): abnormal, borderline, normal, non-compressible."""
    if value <= 0.90:
        return "abnormal"
    if value < 1.00:
        return "borderline"
    return "normal" if value <= 1.40 else "non-compressible"


def describe(m: Measurement) -> str:
    """'0.72 (abnormal)', '45 mmHg'."""
    rule = KINDS[m.kind]
    text = f"{m.value:.{rule.decimals}f}" + (f" {rule.unit}" if rule.unit else "")
    return f"{text} ({abi_band(m.value)})" if m.kind is MeasurementKind.abi else text


def parse(kind: str, side: str, value: str, measured_on: str, note: str, today: date) -> Measurement:
    """A measurement from a clinician's form (not yet added). Every field is checked;
    all the problems are raised together."""
    problems: dict[str, str] = {}
    try:
        chosen = MeasurementKind(kind)
    except ValueError:
        problems["kind"] = "Choose what was measured: resting ABI or toe pressure."
        chosen = None
    if side not in ("", *SIDES):
        problems["side"] = "Choose the left or right leg, or leave it as not recorded."
    number: float | None = None
    try:
        number = float(value.replace(",", "."))
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(value)
    except ValueError:
        problems["value"] = "Enter the value as a number, like 0.72 for an ABI or 45 for a toe pressure."
    if number is not None and chosen is not None:
        rule = KINDS[chosen]
        if not rule.low <= number <= rule.high:
            unit = f" {rule.unit}" if rule.unit else ""
            problems["value"] = f"A {rule.label.lower()} is between {rule.low:g} and {rule.high:g}{unit}."
    when: date | None = None
    try:
        when = date.fromisoformat(measured_on)
    except ValueError:
        problems["measured_on"] = "Enter the date it was measured, like 2026-11-23."
    if when is not None and not date(1900, 1, 1) <= when <= today:
        problems["measured_on"] = "Enter a date that is not in the future."
    try:
        note = text.note(note, "note", 500)
    except text.TextError as exc:
        problems["note"] = exc.sentence
    if problems:
        raise MeasurementError(problems)
    return Measurement(kind=chosen, side=side or None, value=number, measured_on=when, note=note)


async def add(session: AsyncSession, patient: Patient, m: Measurement, by: User | None, now: datetime,
              address: str | None = None) -> Measurement:
    m.patient_id, m.recorded_at, m.recorded_by = patient.id, now, by.id if by else None
    session.add(m)
    await session.flush()
    await audit.record(session, action="measurement.added", now=now, actor=by, patient_id=patient.id,
                       clinic_id=patient.clinic_id, address=address,
                       detail={"measurement_id": m.id, "kind": m.kind.value})
    return m


async def remove(session: AsyncSession, patient: Patient, measurement_id: int, by: User, now: datetime,
                 address: str | None = None) -> Measurement | None:
    """Mark the patient's measurement removed; None if it is not theirs or already removed."""
    m = await session.get(Measurement, measurement_id)
    if m is None or m.patient_id != patient.id or m.removed_at is not None:
        return None
    m.removed_at, m.removed_by = now, by.id
    session.add(m)
    await audit.record(session, action="measurement.removed", now=now, actor=by, patient_id=patient.id,
                       clinic_id=patient.clinic_id, address=address,
                       detail={"measurement_id": m.id, "kind": m.kind.value})
    return m


async def for_patient(session: AsyncSession, patient_id: int, *, include_removed: bool = False) -> list[Measurement]:
    """The patient's measurements, newest first (by the date measured, then as recorded)."""
    query = select(Measurement).where(Measurement.patient_id == patient_id)
    if not include_removed:
        query = query.where(Measurement.removed_at.is_(None))
    query = query.order_by(Measurement.measured_on.desc(), Measurement.id.desc())
    return list((await session.execute(query)).scalars())


def latest(ms: list[Measurement], kind: MeasurementKind) -> list[Measurement]:
    """The latest of a kind for each leg recorded (a measurement without a leg counts as its own)."""
    seen: dict[str | None, Measurement] = {}
    for m in ms:  # newest first
        if m.kind is kind and m.side not in seen:
            seen[m.side] = m
    return sorted(seen.values(), key=lambda m: (m.side is None, m.side or ""))


def latest_words(ms: list[Measurement], kind: MeasurementKind) -> str:
    """The latest of a kind per leg, dated: "left 0.72 (abnormal), 3 Nov 2026; right 0.95 (borderline), 3 Nov 2026"."""
    found = latest(ms, kind)
    if not found:
        return "not recorded"
    return "; ".join(f"{m.side + ' ' if m.side else ''}{describe(m)}, {m.measured_on.day} {m.measured_on:%b %Y}"
                     for m in found)


def as_json(m: Measurement) -> dict[str, object]:
    """In the patient's own data download (and, later, the interchange document)."""
    return {"kind": m.kind.value, "side": m.side, "value": m.value, "measured_on": m.measured_on.isoformat(),
            "note": m.note}
