"""A clinician changes a patient's details after enrolment: affected side, suspected
type, diabetes and phone number. Each change is kept in the patient's history
(shown on the patient page) and audited; a change of diabetes re-grades the
flags at once (a foot infection in a person with diabetes is an emergency)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from diary import journal, patients
from diary.db import transaction
from diary.models import Patient, SuspectedType, User
from server.auth import client_address, staff_only, utcnow

NO_STORE = {"cache-control": "no-store"}
DIABETES = {"yes": True, "no": False, "": None}


def details_values(patient: Patient) -> dict[str, str]:
    return {"affected_side": patient.affected_side or "", "suspected_type": patient.suspected_type.value,
            "diabetes": patients.detail_text("diabetes", patient.diabetes), "phone": patient.phone or ""}


def check_details(values: dict[str, str]) -> None:
    if values["diabetes"] not in DIABETES:
        raise patients.PatientError("diabetes", "Choose yes, no or not recorded.")


def read_details(form: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """The form's values as typed, and as the domain takes them (``check_details`` first)."""
    values = {k: str(form.get(k, "")).strip() for k in ("affected_side", "suspected_type", "diabetes", "phone")}
    suspected = values["suspected_type"]
    return values, {
        "affected_side": values["affected_side"] or None,
        "suspected_type": SuspectedType(suspected) if suspected in SuspectedType._value2member_map_
        else SuspectedType.unknown,
        "diabetes": DIABETES.get(values["diabetes"]),
        "phone": values["phone"],
    }


async def _patient(db: Any, user: User, patient_id: int) -> Patient:
    patient = await patients.clinic_patient(db, user.clinic_id, patient_id)
    if patient is None:
        raise NotFoundException()
    return patient


def _page(user: User, patient: Patient, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Template:
    return Template("clinic/patient_details.html", status_code=status, headers=NO_STORE,
                    context={"user": user, "patient": patient, "values": values, "errors": errors})


@get("/clinic/patients/{patient_id:int}/details", guards=[staff_only])
async def details_page(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Template:
    async with transaction(state.sessions) as db:
        patient = await _patient(db, request.user, patient_id)
    return _page(request.user, patient, details_values(patient), {})


@post("/clinic/patients/{patient_id:int}/details", guards=[staff_only])
async def save_details(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Response[Any]:
    form = await request.form()
    values, wanted = read_details(form)
    now = utcnow()
    try:
        async with transaction(state.sessions) as db:
            patient = await _patient(db, request.user, patient_id)
            check_details(values)
            changed = await patients.update_details(db, patient, request.user, now,
                                                    address=client_address(request), **wanted)
            if "diabetes" in changed:
                await journal.reassess_patient(db, patient, now)
    except patients.PatientError as exc:
        async with transaction(state.sessions) as db:
            patient = await _patient(db, request.user, patient_id)
        return _page(request.user, patient, values, {exc.field: str(exc)}, status=422)
    return Redirect(path=f"/clinic/patients/{patient_id}#details-h", status_code=303)


DETAILS_ROUTES = [details_page, save_details]
