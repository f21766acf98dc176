"""A patient's measurements (resting ABI, toe pressure) on the clinician's patient page:
add one, remove a mistaken one. Both are audited (``diary.measurements``).

With htmx the page's measurements section is swapped in place; without it, a
saved form goes back to the patient page, and a form with a problem is shown
again on a page of its own, with every problem listed.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlalchemy import select

from diary import measurements, patients
from diary.db import transaction
from diary.models import Clinic, Patient, Role, User
from diary.zones import today_in, zone_of
from server.auth import client_address, staff_only, utcnow

NO_STORE = {"cache-control": "no-store"}
FIELDS = ("kind", "side", "value", "measured_on", "note")


async def _patient(db: Any, user: User, patient_id: int) -> Patient:
    patient = await patients.clinic_patient(db, user.clinic_id, patient_id)
    if patient is None:
        raise NotFoundException()
    return patient


async def section_context(db: Any, user: User, patient: Patient, clinic: Clinic,
                          values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """What the measurements section of the patient page shows."""
    every = await measurements.for_patient(db, patient.id, include_removed=True)
    staff = {u.id: u for u in (await db.execute(
        select(User).where(User.clinic_id == patient.clinic_id, User.role != Role.patient))).scalars()}
    timezone = zone_of(user, clinic)
    today = today_in(clinic.timezone, utcnow())
    return {
        "patient": patient, "measurements": [m for m in every if m.removed_at is None],
        "removed_measurements": [m for m in every if m.removed_at is not None], "staff": staff,
        "measurement_values": values or {"kind": "abi", "measured_on": today.isoformat()},
        "measurement_errors": errors or {}, "measurement_kinds": measurements.KINDS, "today": today.isoformat(),
        "timezone": timezone,
    }


def _section(context: dict[str, Any], status: int = 200) -> Template:
    return Template("clinic/_measurements.html", context=context, status_code=status, headers=NO_STORE)


@post("/clinic/patients/{patient_id:int}/measurements", guards=[staff_only])
async def add_measurement(request: HTMXRequest, state: State, patient_id: FromPath[int]) -> Response[Any]:
    user: User = request.user
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in FIELDS}
    now = utcnow()
    errors: dict[str, str] = {}
    async with transaction(state.sessions) as db:
        patient = await _patient(db, user, patient_id)
        clinic = await db.get(Clinic, patient.clinic_id)
        today = today_in(clinic.timezone, now)
        try:
            taken = measurements.parse(values["kind"], values["side"], values["value"], values["measured_on"],
                                       values["note"], today)
            await measurements.add(db, patient, taken, user, now, client_address(request))
        except measurements.MeasurementError as exc:
            errors = exc.problems
    async with transaction(state.sessions) as db:
        context = await section_context(db, user, patient, clinic, values if errors else None, errors)
    if request.htmx:
        return _section(context, 422 if errors else 200)
    if errors:
        return Template("clinic/measurement_form.html", status_code=422, headers=NO_STORE,
                        context={"user": user, "clinic": clinic, **context})
    return Redirect(path=f"/clinic/patients/{patient_id}#measurements-h", status_code=303)


@get("/clinic/patients/{patient_id:int}/measurements", guards=[staff_only])
async def measurement_page(request: HTMXRequest, state: State, patient_id: FromPath[int]) -> Template:
    """The form on a page of its own (where a form with a problem lands without htmx)."""
    user: User = request.user
    async with transaction(state.sessions) as db:
        patient = await _patient(db, user, patient_id)
        clinic = await db.get(Clinic, patient.clinic_id)
        context = await section_context(db, user, patient, clinic)
    return Template("clinic/measurement_form.html", headers=NO_STORE, context={"user": user, "clinic": clinic, **context})


@post("/clinic/patients/{patient_id:int}/measurements/{measurement_id:int}/remove", guards=[staff_only])
async def remove_measurement(request: HTMXRequest, state: State, patient_id: FromPath[int],
                             measurement_id: FromPath[int]) -> Response[Any]:
    user: User = request.user
    async with transaction(state.sessions) as db:
        patient = await _patient(db, user, patient_id)
        removed = await measurements.remove(db, patient, measurement_id, user, utcnow(), client_address(request))
        if removed is None:
            raise NotFoundException()
        clinic = await db.get(Clinic, patient.clinic_id)
        context = await section_context(db, user, patient, clinic)
    if request.htmx:
        return _section(context)
    return Redirect(path=f"/clinic/patients/{patient_id}#measurements-h", status_code=303)


MEASUREMENT_ROUTES = [add_measurement, measurement_page, remove_measurement]
