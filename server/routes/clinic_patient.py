"""One patient's record for a clinician: chart, findings, flags, entries, audit; flag actions;
enrolment codes. Every view of the record is written to the audit log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlalchemy import select

from diary import accounts, audit, flags, measurements, patients, review, store
from diary.chart import distance_chart
from diary.db import read_transaction, transaction
from diary.entries import CheckIn, Walk
from diary.clinics import Contact
from diary.models import Clinic, EnrolmentCode, MeasurementKind, Patient, PatientSummary, Role, User
from diary.text import whole_number
from server.auth import client_address, site_url, staff_only, utcnow
from server.routes.clinic_measurements import section_context
from server.qr import enrolment_qr
from server.routes.patient_details import check_details, read_details

NO_STORE = {"cache-control": "no-store"}
CHART_DAYS = 120
# Drawn at the width of a clinic desktop page (and scaled to fit it), so the
# chart uses the page and its legend stays readable (web/static/clinic.css).
CHART_PX = (1000, 400)
ENTRIES_SHOWN = 200


async def _patient(db: Any, user: User, patient_id: int) -> Patient:
    patient = await patients.clinic_patient(db, user.clinic_id, patient_id)
    if patient is None:
        raise NotFoundException()
    return patient


@get("/clinic/patients/{patient_id:int}", guards=[staff_only])
async def patient_page(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Template:
    user: User = request.user
    now = utcnow()
    # The view is written to the audit log, and committed, before anything of the
    # record is read; the reads then run beside this process's writers instead of
    # waiting their turn behind them (diary.db.read_transaction).
    async with transaction(state.sessions) as db:
        patient = await _patient(db, user, patient_id)
        await audit.record(db, action="patient.viewed", now=now, actor=user, patient_id=patient.id,
                           address=request.client.host if request.client else None)
    async with read_transaction(state.sessions) as db:
        clinic = await db.get(Clinic, patient.clinic_id)
        entries = await store.entries_since(db, patient.id, now - timedelta(days=CHART_DAYS))
        patient_flags = await flags.flags_for_patient(db, patient.id)
        events = await flags.history(db, patient.id)
        views = await audit.for_patient(db, patient.id)
        info = await db.get(PatientSummary, patient.id)
        codes = await _codes(db, patient.id)
        people = await _people(db, user.clinic_id)
        taken = await section_context(db, user, patient, clinic)
        details = await patients.detail_history(db, patient.id)
    reviewer = people.get(info.last_reviewed_by) if info and info.last_reviewed_by else None
    live = [f for f in patient_flags if f.status in flags.LIVE]
    flagged = {entry_id for f in live for entry_id in f.evidence}
    chart = distance_chart([e for e in entries if isinstance(e, Walk)], [e for e in entries if isinstance(e, CheckIn)],
                           start=now - timedelta(days=CHART_DAYS), end=now, timezone=clinic.timezone, flagged=flagged,
                           width=CHART_PX[0], height=CHART_PX[1])
    context = {
        "user": user, "clinic": clinic, "patient": patient, "summary": info, "reviewer": reviewer,
        "chart": chart, "entries": list(reversed(entries))[:ENTRIES_SHOWN], "flags": patient_flags, "live": live,
        "events": events, "views": views, "flagged": flagged, **taken,
        "abi": measurements.latest_words(taken["measurements"], MeasurementKind.abi),
        "codes": codes, "now": now, "chart_days": CHART_DAYS, "people": people, "timezone": clinic.timezone,
        "details": details,
        "sessions_ended": _int_or_none(request.query_params.get("signed_out")),
    }
    return Template("clinic/patient.html", context=context, headers=NO_STORE)


def _int_or_none(text: str | None) -> int | None:
    return whole_number(text, 0, 1_000_000)


@post("/clinic/patients/{patient_id:int}/sessions/end", guards=[staff_only])
async def end_patient_sessions(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Redirect:
    """A lost or shared phone: sign the patient out everywhere and remove their passkeys, which
    would sign the phone's holder back in (the diary is kept)."""
    async with transaction(state.sessions) as db:
        patient = await _patient(db, request.user, patient_id)
        ended = await accounts.end_all_sessions(db, patient.user_id) if patient.user_id else 0
        removed = await accounts.remove_passkeys(db, patient.user_id) if patient.user_id else 0
        await audit.record(db, action="patient.sessions_ended", now=utcnow(), actor=request.user,
                           patient_id=patient.id, detail={"ended": ended, "passkeys_removed": removed},
                           address=client_address(request))
    return Redirect(path=f"/clinic/patients/{patient_id}?signed_out={ended}#enrol-h", status_code=303)


async def _people(db: Any, clinic_id: int) -> dict[int, User]:
    """The clinic's staff by id (deactivated ones too), to name who changed a flag
    or last reviewed the patient."""
    query = select(User).where(User.clinic_id == clinic_id, User.role != Role.patient)
    return {u.id: u for u in (await db.execute(query)).scalars()}


async def _codes(db: Any, patient_id: int) -> list[EnrolmentCode]:
    query = select(EnrolmentCode).where(EnrolmentCode.patient_id == patient_id).order_by(EnrolmentCode.created_at.desc())
    return list((await db.execute(query)).scalars())


@post("/clinic/patients/{patient_id:int}/flags/{flag_id:int}", guards=[staff_only])
async def flag_action(request: HTMXRequest, state: State, patient_id: FromPath[int], flag_id: FromPath[int]) -> Response[Any]:
    user: User = request.user
    form = await request.form()
    now = utcnow()
    error, error_field = None, None
    async with transaction(state.sessions) as db:
        patient = await _patient(db, user, patient_id)
        flag = await review.clinic_flag(db, user.clinic_id, patient.id, flag_id)
        if flag is None:
            raise NotFoundException()
        try:
            await review.act_on_flag(db, patient, flag, user, str(form.get("action", "")), now,
                                     note=str(form.get("note", "")), days=str(form.get("days", "")))
        except review.ReviewError as exc:
            error, error_field = str(exc), exc.field
    if request.htmx:
        async with transaction(state.sessions) as db:
            flag = await review.clinic_flag(db, user.clinic_id, patient_id, flag_id)
            people = await _people(db, user.clinic_id)
            clinic = await db.get(Clinic, user.clinic_id)
        return Template("clinic/_flag.html", context={"flag": flag, "patient": patient, "error": error,
                                                      "error_field": error_field, "people": people, "now": now,
                                                      "timezone": clinic.timezone,
                                                      "values": {k: str(form.get(k, "")) for k in ("note", "days")}},
                        status_code=422 if error else 200, headers=NO_STORE)
    if error:
        return Response(content=error, status_code=422, media_type="text/plain")
    return Redirect(path=f"/clinic/patients/{patient_id}#flag-{flag_id}", status_code=303)


@post("/clinic/patients/{patient_id:int}/reviewed", guards=[staff_only])
async def mark_reviewed(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Redirect:
    async with transaction(state.sessions) as db:
        patient = await _patient(db, request.user, patient_id)
        await review.mark_reviewed(db, patient, request.user, utcnow())
    return Redirect(path=f"/clinic/patients/{patient_id}", status_code=303)


def _enrol_url(request: Request[Any, Any, Any], code: str) -> str:
    return f"{site_url(request)}/enrol?code={code}"


def _code_page(request: Request[Any, Any, Any], patient: Patient, clinic: Clinic, code: str,
               valid_days: int) -> Template:
    url = _enrol_url(request, code)
    return Template("clinic/code.html", headers=NO_STORE, context={
        "user": request.user, "patient": patient, "code": code, "url": url, "qr": enrolment_qr(url),
        "valid_days": valid_days, "recovery": patient.user_id is not None, "contact": Contact.of(clinic)})


@get("/clinic/patients/new", guards=[staff_only])
async def new_patient(request: Request[Any, Any, Any]) -> Template:
    return Template("clinic/new_patient.html", context={"user": request.user, "values": {}, "errors": {}},
                    headers=NO_STORE)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise patients.PatientError("date_of_birth", "Enter the date of birth as YYYY-MM-DD.") from None


def _abi(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        raise patients.PatientError("resting_abi", "Enter the ABI as a number, like 0.72.") from None


@post("/clinic/patients", guards=[staff_only])
async def create_patient(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "clinic_number", "date_of_birth", "resting_abi")}
    details, wanted = read_details(form)
    values.update(details)
    settings = state.settings
    try:
        check_details(values)
        born = _date(values["date_of_birth"])
        if born and not date(1900, 1, 1) <= born <= utcnow().date():
            raise patients.PatientError("date_of_birth", "Enter a date of birth in the past.")
        async with transaction(state.sessions) as db:
            patient, code = await patients.enrol_patient(
                db, clinic_id=request.user.clinic_id, name=values["name"], clinic_number=values["clinic_number"],
                now=utcnow(), code_valid_for=settings.enrolment_code_valid, created_by=request.user.id,
                date_of_birth=born, resting_abi=_abi(values["resting_abi"]), **wanted)
            await audit.record(db, action="enrolment.code_issued", now=utcnow(), actor=request.user,
                               patient_id=patient.id)
            clinic = await db.get(Clinic, patient.clinic_id)
    except patients.PatientError as exc:
        return Template("clinic/new_patient.html", status_code=422, headers=NO_STORE,
                        context={"user": request.user, "values": values, "errors": {exc.field: str(exc)}})
    return _code_page(request, patient, clinic, code, settings.enrolment_code_valid.days)


@post("/clinic/patients/{patient_id:int}/codes", guards=[staff_only])
async def reissue_code(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Response[Any]:
    settings = state.settings
    async with transaction(state.sessions) as db:
        patient = await _patient(db, request.user, patient_id)
        # For an enrolled patient the code is a recovery code: it lets them choose a new password.
        code = await accounts.issue_enrolment_code(db, patient, utcnow(), settings.enrolment_code_valid,
                                                   request.user.id)
        await audit.record(db, action="enrolment.code_issued", now=utcnow(), actor=request.user, patient_id=patient.id,
                           detail={"recovery": patient.user_id is not None})
        clinic = await db.get(Clinic, patient.clinic_id)
    return _code_page(request, patient, clinic, code, settings.enrolment_code_valid.days)


@post("/clinic/patients/{patient_id:int}/codes/revoke", guards=[staff_only])
async def revoke_codes(request: Request[Any, Any, Any], state: State, patient_id: FromPath[int]) -> Redirect:
    async with transaction(state.sessions) as db:
        patient = await _patient(db, request.user, patient_id)
        await accounts.revoke_enrolment_codes(db, patient, utcnow())
        await audit.record(db, action="enrolment.code_revoked", now=utcnow(), actor=request.user, patient_id=patient.id)
    return Redirect(path=f"/clinic/patients/{patient_id}", status_code=303)


PATIENT_ROUTES = [patient_page, flag_action, mark_reviewed, end_patient_sessions, new_patient, create_patient, reissue_code, revoke_codes]
