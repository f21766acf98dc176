"""The demo clinic: a living app for a newcomer, loaded through the domain layer.

Idempotent: a second run finds the demo clinic and changes nothing. Every walk
is saved as the app would save it, assessed at its own time, so the flags
the trend module raises are the ones a real history would have raised.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import accounts, cohort, journal, patients
from diary.db import transaction
from diary.entries import CheckIn, ColourChange, Walk
from diary.models import Clinic, Measurement, MeasurementKind, Patient, Role, SuspectedType, User

ABI, TOE = MeasurementKind.abi, MeasurementKind.toe_pressure
DEMO_CLINIC = "Demo Vascular Clinic"
OTHER_CLINIC = "Other Hospital Clinic"


@dataclass(frozen=True)
class DemoPatient:
    name: str
    clinic_number: str
    kind: str              # a cohort kind: the shape of their history
    suspected: SuspectedType
    email: str | None      # None: enrolled by the clinic, not yet signed up
    stopped_days_ago: int = 0  # stopped logging this many days ago
    # Measured at the clinic: (kind, leg, value, days ago).
    measurements: tuple[tuple[MeasurementKind, str | None, float, int], ...] = ()
    diabetes: bool | None = None
    today: str = ""        # a check-in made a few hours ago: "sudden_change" or "infected_wound"


DEMO_PATIENTS = (
    DemoPatient("Margaret Hughes", "WD-1001", "stable", SuspectedType.vascular, "patient@demo.test",
                measurements=((ABI, "left", 0.74, 230), (ABI, "right", 0.97, 230), (ABI, "left", 0.72, 40))),
    DemoPatient("Arthur Price", "WD-1002", "slowly_worsening", SuspectedType.vascular, "patient2@demo.test",
                measurements=((ABI, "right", 0.66, 200), (ABI, "right", 0.58, 30), (TOE, "right", 52, 30))),
    DemoPatient("Doreen Okafor", "WD-1003", "rest_pain", SuspectedType.vascular, "patient3@demo.test",
                measurements=((ABI, "left", 0.52, 150), (ABI, "left", 0.41, 6), (TOE, "left", 28, 6))),
    DemoPatient("Kenneth Walsh", "WD-1004", "neurogenic", SuspectedType.unknown, "patient4@demo.test"),
    DemoPatient("Iris Fenwick", "WD-1005", "improving", SuspectedType.vascular, "patient5@demo.test"),
    DemoPatient("Stanley Moore", "WD-1006", "wound", SuspectedType.vascular, "patient6@demo.test",
                measurements=((ABI, "right", 1.46, 90), (TOE, "right", 31, 90))),  # calcified: the toe tells
    DemoPatient("Gwen Lloyd", "WD-1007", "stable", SuspectedType.vascular, "patient7@demo.test", stopped_days_ago=20),
    DemoPatient("Harold Bishop", "WD-1008", "stable", SuspectedType.unknown, None),
    DemoPatient("Ronald Baker", "WD-1009", "stable", SuspectedType.vascular, "patient8@demo.test",
                diabetes=False, today="sudden_change"),
    DemoPatient("Patricia Evans", "WD-1010", "wound", SuspectedType.vascular, "patient9@demo.test",
                diabetes=True, today="infected_wound"),
)
DEMO_PHONE = "020 7946 0000"  # a number kept for drama and examples (Ofcom), never a real line
OTHER_PATIENTS = (
    DemoPatient("Olive Grant", "OH-2001", "stable", SuspectedType.vascular, "other-patient@demo.test"),
)
LOGINS = (
    ("clinician@demo.test", "demo-clinician", "clinician, Demo Vascular Clinic"),
    ("admin@demo.test", "demo-admin", "admin, Demo Vascular Clinic"),
    ("patient@demo.test", "demo-patient", "patient (stable walker)"),
    ("patient2@demo.test", "demo-patient", "patient (walking distance falling)"),
    ("patient8@demo.test", "demo-patient", "patient (an emergency today: a sudden change in the leg)"),
    ("patient9@demo.test", "demo-patient", "patient with diabetes (an infected wound today)"),
    ("other-clinician@demo.test", "demo-clinician", "clinician, Other Hospital Clinic"),
)


# When people log: walks in the morning and the afternoon, now and then in the early
# evening; check-ins first thing or in the evening. (hour from, hour to, weight), local time.
WALK_HOURS = ((9, 12, 5), (13.5, 17.5, 4), (18, 19.5, 1))
CHECK_IN_HOURS = ((7.5, 10, 3), (19, 21.5, 2))


def at_a_believable_time(entry: Walk | CheckIn, rng: random.Random, zone: ZoneInfo, now: datetime) -> Walk | CheckIn:
    """The entry moved to a time of day people log at, on the same local day (the day
    before, if that time is still to come today). The synthetic cohort spreads entries
    over all 24 hours, which in a demo reads as walks at 3 in the morning."""
    spans = WALK_HOURS if isinstance(entry, Walk) else CHECK_IN_HOURS
    low, high, _ = rng.choices(spans, weights=[w for _, _, w in spans])[0]
    minutes = round(rng.uniform(low, high) * 60)
    day = entry.occurred_at.astimezone(zone).date()
    at = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    if at > now:
        at = datetime.combine(day - timedelta(days=1), at.timetz().replace(tzinfo=None), tzinfo=zone)
    field = "walked_at" if isinstance(entry, Walk) else "recorded_at"
    return entry.model_copy(update={field: at})


async def _load_patient(
    sessions: async_sessionmaker[AsyncSession], clinic: Clinic, spec: DemoPatient, now: datetime, seed: int
) -> None:
    rng = random.Random(seed)
    history = cohort.generate_patient(spec.kind, rng, now)
    zone = ZoneInfo(clinic.timezone)
    async with transaction(sessions) as db:
        patient, code = await patients.enrol_patient(
            db, clinic_id=clinic.id, name=spec.name, clinic_number=spec.clinic_number, now=now,
            code_valid_for=timedelta(days=14), suspected_type=spec.suspected, diabetes=spec.diabetes,
        )
        if spec.email:
            await accounts.redeem_enrolment_code(db, code, spec.email, "demo-patient", now)
        nurse = (await db.execute(select(User).where(User.email == "clinician@demo.test"))).scalar_one_or_none()
        for kind, side, value, days_ago in spec.measurements:
            measured = (now - timedelta(days=days_ago)).astimezone(zone).date()
            db.add(Measurement(patient_id=patient.id, kind=kind, side=side, value=value, measured_on=measured,
                               recorded_at=datetime.combine(measured, time(11, 40), tzinfo=zone),
                               recorded_by=nurse.id if nurse else None))
    until = now - timedelta(days=spec.stopped_days_ago)
    daytime = random.Random(f"daytime:{seed}")
    # A patient who has not set up their diary yet has no entries.
    entries = [at_a_believable_time(e, daytime, zone, now) for e in history.entries] if spec.email else []
    entries = [e for e in entries if e.occurred_at <= until]
    for entry in sorted(entries, key=lambda e: e.occurred_at):
        async with transaction(sessions) as db:
            fresh = await db.get(Patient, patient.id)
            await journal.save_entry(db, fresh, entry, min(entry.occurred_at, now))
    if spec.today and spec.email:
        async with transaction(sessions) as db:
            await journal.save_entry(db, await db.get(Patient, patient.id), _today(spec.today, rng, now), now)
    async with transaction(sessions) as db:
        # The daily job's pass, so time-based rules (a logging gap) are up to date.
        await journal.reassess_patient(db, await db.get(Patient, patient.id), now)


def _today(kind: str, rng: random.Random, now: datetime) -> CheckIn:
    """A check-in made a few hours ago with a danger sign: the patient saw the advice at once."""
    at = now - timedelta(hours=3)
    entry_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    answers = {"rest_pain": False, "wound": False, "infection_signs": [], "colour_change": ColourChange.none,
               "sudden_onset": False, "heart_symptoms": [], "cauda_equina_signs": [], "cold_foot": False,
               "numb_foot": False}
    if kind == "sudden_change":
        answers.update(sudden_onset=True, sudden_onset_days_ago=0, colour_change=ColourChange.pale, cold_foot=True,
                       numb_foot=True, note="My right leg went cold and numb this morning.")
    else:
        answers.update(wound=True, infection_signs=["spreading_redness", "swelling", "warmth"],
                       note="The sore on my heel is red and swollen now.")
    return CheckIn(id=entry_id, recorded_at=at, **answers)


async def load_demo(sessions: async_sessionmaker[AsyncSession], now: datetime) -> bool:
    """Load the demo clinics; returns False when they were already there."""
    async with transaction(sessions) as db:
        if (await db.execute(select(Clinic).where(Clinic.name == DEMO_CLINIC))).first():
            return False
        demo = await accounts.get_or_create_clinic(db, DEMO_CLINIC)
        demo.phone = DEMO_PHONE
        other = await accounts.get_or_create_clinic(db, OTHER_CLINIC)
        await accounts.create_user(db, clinic=demo, role=Role.clinician, email="clinician@demo.test",
                                   password="demo-clinician", now=now, display_name="Sam Reid (vascular nurse)")
        await accounts.create_user(db, clinic=demo, role=Role.admin, email="admin@demo.test",
                                   password="demo-admin", now=now, display_name="Alex Demo (admin)")
        await accounts.create_user(db, clinic=other, role=Role.clinician, email="other-clinician@demo.test",
                                   password="demo-clinician", now=now, display_name="Jo Other")
    for seed, spec in enumerate(DEMO_PATIENTS):
        await _load_patient(sessions, demo, spec, now, seed)
    for seed, spec in enumerate(OTHER_PATIENTS, start=100):
        await _load_patient(sessions, other, spec, now, seed)
    return True
