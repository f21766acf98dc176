"""The front door, the health check, and the clinician's starting page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import text
from litestar.datastructures import State
from litestar.response import Redirect, Template

from diary import patients
from diary.db import transaction
from diary.models import Clinic, SuspectedType
from server.auth import staff_only, utcnow
from server.routes.auth_pages import home_for

NO_STORE = {"cache-control": "no-store"}


@get("/")
async def index(request: Request[Any, Any, Any]) -> Redirect:
    user = request.scope.get("user")
    return Redirect(path=home_for(user) if user else "/login", status_code=303)


@get("/healthz")
async def healthz(state: State) -> dict[str, str]:
    async with transaction(state.sessions) as db:
        await db.execute(text("SELECT 1"))
    return {"status": "ok"}


async def _clinic_page(request: Request[Any, Any, Any], state: State, **extra: Any) -> Template:
    user = request.user
    async with transaction(state.sessions) as db:
        clinic = await db.get(Clinic, user.clinic_id)
        rows = await patients.clinic_overview(db, user.clinic_id)
    context = {"user": user, "clinic": clinic, "rows": rows, "values": {}, "errors": {}, "issued": None}
    context.update(extra)
    return Template("clinic/home.html", context=context, headers=NO_STORE,
                    status_code=422 if extra.get("errors") else 200)


@get("/clinic", guards=[staff_only])
async def clinic_home(request: Request[Any, Any, Any], state: State) -> Template:
    return await _clinic_page(request, state)


@post("/clinic/patients", guards=[staff_only])
async def enrol_patient(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "clinic_number", "suspected_type")}
    suspected = values["suspected_type"] if values["suspected_type"] in SuspectedType._value2member_map_ else "unknown"
    try:
        async with transaction(state.sessions) as db:
            patient, code = await patients.enrol_patient(
                db, clinic_id=request.user.clinic_id, name=values["name"], clinic_number=values["clinic_number"],
                now=utcnow(), code_valid_for=state.settings.enrolment_code_valid, created_by=request.user.id,
                suspected_type=SuspectedType(suspected),
            )
    except patients.PatientError as exc:
        return await _clinic_page(request, state, values=values, errors={exc.field: str(exc)})
    return await _clinic_page(request, state, issued={"patient": patient, "code": code})


HOME_ROUTES = [index, healthz, clinic_home, enrol_patient]
