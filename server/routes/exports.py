"""Downloading the weekly exports: a clinician any stored week of their clinic, a patient
their own weekly PDF. Every download is written to the audit log."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Template

from diary import audit, exports
from diary.db import transaction
from diary.models import Clinic, User
from diary.weekly import WEEK_PATTERN, Week
from server.auth import patient_of, patient_only, staff_only, utcnow

NO_STORE = {"cache-control": "no-store"}
# Litestar adds "; charset=utf-8" to a text/* type itself: naming it here sent it twice.
MEDIA = {"pdf": "application/pdf", "csv": "text/csv", "entries_csv": "text/csv", "fhir": "application/fhir+ndjson"}


@get("/clinic/exports", guards=[staff_only])
async def export_list(request: Request[Any, Any, Any], state: State) -> Template:
    user: User = request.user
    async with transaction(state.sessions) as db:
        clinic = await db.get(Clinic, user.clinic_id)
        stored = await exports.stored_exports(db, user.clinic_id)
    weeks = {e.week: Week.parse(e.week, clinic.timezone) for e in stored}
    return Template("clinic/exports.html", headers=NO_STORE,
                    context={"user": user, "clinic": clinic, "exports": stored, "weeks": weeks})


@get("/clinic/exports/{week:str}/{kind:str}", guards=[staff_only])
async def export_download(request: Request[Any, Any, Any], state: State, week: FromPath[str],
                          kind: FromPath[str]) -> File:
    user: User = request.user
    if not WEEK_PATTERN.match(week) or kind not in MEDIA:
        raise NotFoundException()
    async with transaction(state.sessions) as db:
        record = await exports.stored_export(db, user.clinic_id, week)
        if record is None or kind not in record.files:
            raise NotFoundException()
        clinic = await db.get(Clinic, user.clinic_id)
        await audit.record(db, action="export.downloaded", now=utcnow(), actor=user,
                           detail={"week": week, "format": kind})
    path = exports.export_dir(state.settings.data_dir, user.clinic_id, Week.parse(week, clinic.timezone)) \
        / record.files[kind]
    if not path.is_file():
        raise NotFoundException()
    return File(path=path, filename=path.name, media_type=MEDIA[kind], headers=NO_STORE)


@get("/diary/reports", guards=[patient_only])
async def patient_reports(request: Request[Any, Any, Any], state: State) -> Template:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        clinic = await db.get(Clinic, patient.clinic_id)
        weeks = [Week.parse(e.week, clinic.timezone)
                 for e in await exports.stored_exports(db, patient.clinic_id) if e.status == "done"]
    return Template("diary/reports.html", headers=NO_STORE, context={"user": request.user, "weeks": weeks})


@get("/diary/reports/{week:str}", guards=[patient_only])
async def patient_report(request: Request[Any, Any, Any], state: State, week: FromPath[str]) -> Response[bytes]:
    label = week.removesuffix(".pdf")
    if not WEEK_PATTERN.match(label):
        raise NotFoundException()
    now = utcnow()
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        if await exports.stored_export(db, patient.clinic_id, label) is None:
            raise NotFoundException()
        clinic = await db.get(Clinic, patient.clinic_id)
        summary = await exports.patient_week(db, patient, Week.parse(label, clinic.timezone))
        await audit.record(db, action="export.downloaded", now=now, actor=request.user, patient_id=patient.id,
                           detail={"week": label, "format": "pdf"})
    from diary.export_pdf import patient_pdf  # fpdf2 is loaded only when a PDF is made

    # The team's notes are not the patient's.
    body = patient_pdf(clinic.name, summary, now, clinic_phone=clinic.phone, clinician_notes=False)
    return Response(body, media_type="application/pdf", headers={
        **NO_STORE, "content-disposition": f'attachment; filename="walking-diary-{label}.pdf"'})


EXPORT_ROUTES = [export_list, export_download, patient_reports, patient_report]
