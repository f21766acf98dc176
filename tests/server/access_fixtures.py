"""The people and objects of the authorisation matrix (tests/server/test_access_matrix.py).

Who signs in, and what each owns:
- ``alice``, ``bob``: patients of Clinic A (the shared ``world``), each with an entry, a flag and a passkey.
- ``nurse`` (clinician) and ``admin``: Clinic A. ``stranger`` (clinician) and ``admin_b``: Clinic B.
- Carol is a patient of Clinic B (no account): her entry, flag and erasure request are the
  "another clinic's objects". Erin (Clinic A, no account) has a pending erasure request.
- Clinic A has the stored export of week 2026-W40, Clinic B only that of 2026-W41.

Every object someone else owns carries *markers*: text that identifies it (a name, an
email, a note). A response about an object the user may not see must not contain them.

``FILLERS`` maps each path parameter name to how it is filled for a user: with their own
object, or with someone else's. An object the request may change (delete, deactivate) is
made fresh for that one case, so the cases do not depend on their order.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from diary import accounts, journal, patients
from diary.entries import parse_entry
from diary.exports import export_dir
from diary.models import (
    Clinic, ErasureRequest, Flag, Measurement, MeasurementKind, Passkey, Patient, Role, User, WeeklyExport,
)
from diary.weekly import Week
from server.app import create_app
from server.settings import Settings
from tests.conftest import PASSWORD, SECRET_KEY, Browser, build_world, run_db

USERS = ("anonymous", "alice", "bob", "nurse", "admin", "stranger", "admin_b")
PATIENTS = frozenset({"alice", "bob"})
STAFF = frozenset({"nurse", "admin", "stranger", "admin_b"})
ADMINS = frozenset({"admin", "admin_b"})
SIGNED_IN = PATIENTS | STAFF
CLINIC_B_USERS = frozenset({"stranger", "admin_b"})
# Whose passkey is "another's" for each user: a person of the same clinic where there is one.
RIVAL = {"anonymous": "bob", "alice": "bob", "bob": "alice", "nurse": "admin", "admin": "nurse",
         "stranger": "admin_b", "admin_b": "stranger"}
WEEK = {"a": "2026-W40", "b": "2026-W41"}
EXPORT_KIND, EXPORT_FILE = "csv", "summary.csv"
_serial = count(1)


@dataclass
class Filled:
    """A path parameter's value, the patient it belongs to (if any), and the markers of whose it is."""

    text: str
    markers: tuple[str, ...] = ()
    patient_id: int | None = None


@dataclass
class Matrix:
    db_url: str
    settings: Settings
    ids: dict[str, int]
    markers: dict[str, tuple[str, ...]]
    browsers: dict[str, Browser] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)  # fixed objects by name: entries, flags, passkeys

    def clinic(self, user: str) -> str:
        return "b" if user in CLINIC_B_USERS else "a"

    def other_clinic(self, user: str) -> str:
        return "a" if self.clinic(user) == "b" else "b"

    def run(self, work: Callable[[Any], Any]) -> Any:
        return run_db(self.db_url, work)


# --- making objects -------------------------------------------------------------------------


def _walk(note: str) -> Any:
    return parse_entry({"type": "walk", "id": str(uuid.uuid4()), "walked_at": datetime.now(UTC).isoformat(),
                        "distance_m": 300, "pain_onset_m": 150, "stopped_by_pain": True, "relief": "stood_still",
                        "note": note})


async def _entry(db: Any, patient_id: int, note: str) -> str:
    entry = _walk(note)
    await journal.save_entry(db, await db.get(Patient, patient_id), entry, datetime.now(UTC))
    return str(entry.id)


async def _flag(db: Any, patient_id: int) -> int:
    """Rest pain in a check-in raises a flag for the patient."""
    check_in = parse_entry({"type": "check_in", "id": str(uuid.uuid4()),
                            "recorded_at": datetime.now(UTC).isoformat(), "rest_pain": True})
    await journal.save_entry(db, await db.get(Patient, patient_id), check_in, datetime.now(UTC))
    query = select(Flag.id).where(Flag.patient_id == patient_id).order_by(Flag.id.desc()).limit(1)
    return (await db.execute(query)).scalar_one()


async def _measurement(db: Any, patient_id: int, note: str) -> int:
    measurement = Measurement(patient_id=patient_id, kind=MeasurementKind.abi, side="left", value=0.71,
                              measured_on=datetime.now(UTC).date(), note=note, recorded_at=datetime.now(UTC))
    db.add(measurement)
    await db.flush()
    return measurement.id


async def _patient(db: Any, clinic_id: int, name: str, number: str) -> int:
    patient, _ = await patients.enrol_patient(db, clinic_id=clinic_id, name=name, clinic_number=number,
                                              now=datetime.now(UTC), code_valid_for=timedelta(days=14))
    return patient.id


async def _colleague(db: Any, clinic_id: int, email: str) -> int:
    user = User(clinic_id=clinic_id, role=Role.clinician, email=email, password_hash="!", created_at=datetime.now(UTC))
    db.add(user)
    await db.flush()
    return user.id


async def _passkey(db: Any, user_id: int, name: str) -> int:
    key = Passkey(user_id=user_id, credential_id=uuid.uuid4().hex, public_key="AA", name=name,
                  created_at=datetime.now(UTC))
    db.add(key)
    await db.flush()
    return key.id


async def _erasure_request(db: Any, patient_id: int) -> int:
    patient = await db.get(Patient, patient_id)
    request = ErasureRequest(patient_id=patient.id, clinic_id=patient.clinic_id, requested_at=datetime.now(UTC))
    db.add(request)
    await db.flush()
    return request.id


async def _export(db: Any, data_dir: Path, clinic_id: int, label: str, marker: str) -> None:
    clinic = await db.get(Clinic, clinic_id)
    now = datetime.now(UTC)
    db.add(WeeklyExport(clinic_id=clinic_id, week=label, status="done", claimed_at=now, claimed_by="matrix",
                        finished_at=now, files={EXPORT_KIND: EXPORT_FILE}))
    folder = export_dir(data_dir, clinic_id, Week.parse(label, clinic.timezone))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / EXPORT_FILE).write_text(f"clinic,week\n{marker},{label}\n", encoding="utf-8")


def build(settings: Settings) -> Matrix:
    """The world of the shared fixture, plus Clinic B's admin and patient and everyone's objects."""

    async def work(db: Any) -> Matrix:
        world = await build_world(db, datetime.now(UTC))
        ids = dict(world.ids)
        clinic_b = await db.get(Clinic, ids["clinic_b"])
        boss = await accounts.create_user(db, clinic=clinic_b, role=Role.admin, email="admin_b@test.example",
                                          password=PASSWORD, now=datetime.now(UTC))
        ids["admin_b"] = boss.id
        ids["carol_patient"] = await _patient(db, ids["clinic_b"], "Carol Farclinic", "B-MARK-7")
        ids["erin_patient"] = await _patient(db, ids["clinic_a"], "Erin Waitinglist", "A-MARK-9")
        markers = {"alice": ("Alice", "alice@test.example"), "bob": ("Bob", "bob@test.example"),
                   "carol": ("Carol Farclinic", "B-MARK-7"), "erin": ("Erin Waitinglist", "A-MARK-9"),
                   **{name: (f"{name}@test.example",) for name in STAFF}}
        matrix = Matrix(db_url=settings.database_url, settings=settings, ids=ids, markers=markers)
        for name in ("alice", "bob", "carol"):
            note = f"{name}-entry-marker"
            matrix.objects[f"entry:{name}"] = await _entry(db, ids[f"{name}_patient"], note)
            matrix.markers[f"entry:{name}"] = (note, *markers[name])
            matrix.objects[f"flag:{name}"] = await _flag(db, ids[f"{name}_patient"])
            label = f"{name}-measurement-marker"
            matrix.objects[f"measurement:{name}"] = await _measurement(db, ids[f"{name}_patient"], label)
            matrix.markers[f"measurement:{name}"] = (label, *markers[name])
        for name in SIGNED_IN:
            label = f"{name}-passkey-marker"
            matrix.objects[f"passkey:{name}"] = await _passkey(db, ids[name], label)
            matrix.markers[f"passkey:{name}"] = (label,)
        matrix.objects["request:a"] = await _erasure_request(db, ids["erin_patient"])
        matrix.objects["request:b"] = await _erasure_request(db, ids["carol_patient"])
        for clinic in ("a", "b"):
            marker = f"clinic-{clinic}-export-marker"
            await _export(db, settings.data_dir, ids[f"clinic_{clinic}"], WEEK[clinic], marker)
            matrix.markers[f"export:{clinic}"] = (marker,)
        return matrix

    return run_db(settings.database_url, work)


def everyone_in(folder: Path, template: Path) -> tuple[Matrix, list[TestClient]]:
    """The matrix's people and objects in a copy of the migrated ``template`` in ``folder``, everyone
    signed in; close the clients when done."""
    shutil.copy(template, folder / "diary.sqlite3")
    settings = Settings(data_dir=folder, database_url=f"sqlite+aiosqlite:///{folder / 'diary.sqlite3'}", dev=True,
                        secure_cookies=False, secret_key=SECRET_KEY)
    built = build(settings)
    return built, sign_in_everyone(built)


def sign_in_everyone(matrix: Matrix) -> list[TestClient]:
    """One browser per user, each with its own app on the same database (as in ``make_browser``)."""
    clients = []
    for name in USERS:
        client = TestClient(create_app(matrix.settings), base_url="http://testserver.local")
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        if name == "anonymous":
            browser.refresh_token()
        else:
            response = browser.sign_in(f"{name}@test.example")
            assert response.status_code in (200, 303) and "/login" not in str(response.url), f"{name} not signed in"
        matrix.browsers[name] = browser
    return clients


# --- the fillers ----------------------------------------------------------------------------


def _patient_of(matrix: Matrix, user: str, which: str) -> tuple[str, int]:
    """(name, patient id) of a patient of the user's clinic ("own") or of the other one.

    A patient's own record is theirs; another patient's is their neighbour's, even in the same clinic."""
    if user in PATIENTS:
        name = user if which == "own" else ({"alice": "bob", "bob": "alice"}[user])
    else:
        clinic = matrix.clinic(user) if which == "own" else matrix.other_clinic(user)
        name = "alice" if clinic == "a" else "carol"
    return name, matrix.ids[f"{name}_patient"]


def fill_patient(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    if which == "own" and fresh and user in STAFF:
        clinic_id = matrix.ids[f"clinic_{matrix.clinic(user)}"]
        number = f"FRESH-{next(_serial)}"
        patient_id = matrix.run(lambda db: _patient(db, clinic_id, f"Fresh Patient {number}", number))
        return Filled(str(patient_id), patient_id=patient_id)
    name, patient_id = _patient_of(matrix, user, which)
    return Filled(str(patient_id), matrix.markers[name] if which == "other" else (), patient_id)


def fill_entry(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    name, patient_id = _patient_of(matrix, user, which)
    if which == "own" and fresh:
        return Filled(matrix.run(lambda db: _entry(db, patient_id, "fresh entry")), patient_id=patient_id)
    return Filled(matrix.objects[f"entry:{name}"], matrix.markers[f"entry:{name}"] if which == "other" else (),
                  patient_id)


def fill_flag(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    """A flag of the patient already chosen for the path (own), or of someone else's patient."""
    if which == "own" and "patient_id" in chosen:
        patient_id = chosen["patient_id"].patient_id
        return Filled(str(matrix.run(lambda db: _flag(db, patient_id))), patient_id=patient_id)
    name, patient_id = _patient_of(matrix, user, which)
    return Filled(str(matrix.objects[f"flag:{name}"]), matrix.markers[name] if which == "other" else (), patient_id)


def fill_measurement(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    """A measurement of the patient already chosen for the path (own; fresh, as the request may remove it),
    or of someone else's patient."""
    if which == "own" and "patient_id" in chosen:
        patient_id = chosen["patient_id"].patient_id
        return Filled(str(matrix.run(lambda db: _measurement(db, patient_id, "fresh measurement"))),
                      patient_id=patient_id)
    name, patient_id = _patient_of(matrix, user, which)
    return Filled(str(matrix.objects[f"measurement:{name}"]),
                  matrix.markers[f"measurement:{name}"] if which == "other" else (), patient_id)


def fill_staff_user(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    """A colleague of the user's clinic (made fresh: the request may deactivate them), or of the other clinic."""
    if which == "own":
        if not fresh:
            return Filled(str(matrix.ids["stranger" if matrix.clinic(user) == "b" else "nurse"]))
        clinic_id, email = matrix.ids[f"clinic_{matrix.clinic(user)}"], f"colleague-{next(_serial)}@test.example"
        return Filled(str(matrix.run(lambda db: _colleague(db, clinic_id, email))))
    other = "nurse" if matrix.clinic(user) == "b" else "stranger"
    return Filled(str(matrix.ids[other]), matrix.markers[other])


def fill_passkey(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    owner = (user if user != "anonymous" else "alice") if which == "own" else RIVAL[user]
    if which == "own" and fresh:
        owner_id = matrix.ids[owner]
        return Filled(str(matrix.run(lambda db: _passkey(db, owner_id, "fresh passkey"))))
    return Filled(str(matrix.objects[f"passkey:{owner}"]), matrix.markers[f"passkey:{owner}"] if which == "other"
                  else ())


def fill_erasure_request(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    """A pending request of a patient of the user's clinic (fresh: the request may decide it), or of the other."""
    if which == "own" and fresh:
        clinic_id, number = matrix.ids[f"clinic_{matrix.clinic(user)}"], f"FRESH-{next(_serial)}"

        async def work(db: Any) -> int:
            return await _erasure_request(db, await _patient(db, clinic_id, f"Fresh Patient {number}", number))
        return Filled(str(matrix.run(work)))
    clinic = matrix.clinic(user) if which == "own" else matrix.other_clinic(user)
    owner = "erin" if clinic == "a" else "carol"
    return Filled(str(matrix.objects[f"request:{clinic}"]), matrix.markers[owner] if which == "other" else ())


def fill_week(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
    """A week the user's clinic has a stored export of, or one only the other clinic has."""
    clinic = matrix.clinic(user) if which == "own" else matrix.other_clinic(user)
    return Filled(WEEK[clinic], matrix.markers[f"export:{clinic}"] if which == "other" else ())


def fixed(value: str) -> Callable[..., Filled]:
    """A parameter that names no one's object: the same value for everyone."""

    def fill(matrix: Matrix, user: str, which: str, fresh: bool, chosen: dict[str, Filled]) -> Filled:
        return Filled(value)
    fill.names_an_object = False  # type: ignore[attr-defined]
    return fill


FILLERS: dict[str, Callable[..., Filled]] = {
    "entry_id": fill_entry,
    "patient_id": fill_patient,
    "flag_id": fill_flag,
    "measurement_id": fill_measurement,
    "user_id": fill_staff_user,
    "passkey_id": fill_passkey,
    "request_id": fill_erasure_request,
    "week": fill_week,
    "kind": fixed(EXPORT_KIND),
    "file_path": fixed("app.css"),
    "path": fixed("openapi.json"),
}


def names_an_object(param: str) -> bool:
    return getattr(FILLERS.get(param), "names_an_object", True)
