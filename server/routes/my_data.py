"""A patient's own data: download all of it, ask for it to be deleted; admins decide the requests.

The download is the interchange format (``{"entries": [...]}``) with the
profile under ``patient``, streamed a page of entries at a time. Asking for
deletion creates one pending request, which the patient may cancel; an admin of
the clinic confirms it (typing the patient's clinic number) or declines it with
a reason. Every step is audited. Other clinics' admins and clinicians get 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Stream, Template

from diary import audit, erasure, measurements, patient_data
from diary.db import transaction
from diary.models import Clinic, User
from diary.zones import zone_of
from server.auth import client_address, patient_of, patient_only, utcnow
from server.routes.clinic_admin import admin_only

NO_STORE = {"cache-control": "no-store"}


# --- the patient ----------------------------------------------------------------------


@get("/diary/my-data.json", guards=[patient_only])
async def download_my_data(request: Request[Any, Any, Any], state: State) -> Stream:
    user: User = request.user
    now = utcnow()
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, user)
        clinic = await db.get(Clinic, patient.clinic_id)
        taken = await measurements.for_patient(db, patient.id)
        head = {"exported_at": now.isoformat(), "patient": patient_data.profile(patient, user, clinic, taken)}
        await audit.record(db, action="data.downloaded", now=now, actor=user, patient_id=patient.id,
                           address=client_address(request), detail={"format": "json"})
    chunks: AsyncIterator[str] = patient_data.document_chunks(state.sessions, patient.id, head)
    return Stream(chunks, media_type="application/json", headers={
        **NO_STORE, "content-disposition": f'attachment; filename="walking-diary-my-data-{now:%Y-%m-%d}.json"'})


async def _erasure_context(db: Any, request: Request[Any, Any, Any]) -> dict[str, Any]:
    patient = await patient_of(db, request.user)
    clinic = await db.get(Clinic, patient.clinic_id)
    return {"user": request.user, "patient": patient, "erasure": await erasure.latest_request(db, patient.id),
            "clinic": clinic, "timezone": zone_of(request.user, clinic)}


@get("/account/my-data", guards=[patient_only])
async def my_data_page(request: HTMXRequest, state: State) -> Template:
    """The state of the patient's deletion request: the fragment /account loads, or a page of its own."""
    async with transaction(state.sessions) as db:
        context = await _erasure_context(db, request)
    name = "account/_erasure.html" if request.htmx else "account/my_data.html"
    return Template(name, context=context, headers=NO_STORE)


@post("/account/my-data/erase", guards=[patient_only])
async def ask_for_erasure(request: Request[Any, Any, Any], state: State) -> Redirect:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        await erasure.request_erasure(db, patient, request.user, utcnow(), client_address(request))
    return Redirect(path="/account?done=erasure_requested#my-data-heading", status_code=303)


@post("/account/my-data/erase/cancel", guards=[patient_only])
async def cancel_erasure(request: Request[Any, Any, Any], state: State) -> Redirect:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        cancelled = await erasure.cancel_request(db, patient, request.user, utcnow(), client_address(request))
    return Redirect(path=f"/account?done={'erasure_cancelled' if cancelled else ''}#my-data-heading",
                    status_code=303)


# --- the clinic's admins --------------------------------------------------------------


async def _requests_page(request: Request[Any, Any, Any], state: State, status: int = 200,
                         **extra: Any) -> Template:
    user: User = request.user
    async with transaction(state.sessions) as db:
        context = {"user": user, "clinic": await db.get(Clinic, user.clinic_id),
                   "pending": await erasure.clinic_pending(db, user.clinic_id), "errors": {}, "values": {},
                   "failed_id": None, "done": request.query_params.get("done")}
    context.update(extra)
    return Template("clinic/erasure_requests.html", context=context, status_code=status, headers=NO_STORE)


@get("/clinic/erasure-requests", guards=[admin_only])
async def erasure_requests(request: Request[Any, Any, Any], state: State) -> Template:
    return await _requests_page(request, state)


async def _decide(request: Request[Any, Any, Any], state: State, request_id: int, field: str, done_word: str,
                  act: Any) -> Response[Any]:
    """Find the clinic's pending request (else 404), act on it, and redirect, or show the form's error."""
    form = await request.form()
    value = str(form.get(field, ""))
    try:
        async with transaction(state.sessions) as db:
            pending = await erasure.clinic_request(db, request.user.clinic_id, request_id)
            if pending is None:
                raise NotFoundException()
            done = await act(db, pending, value)
    except erasure.ErasureError as exc:
        return await _requests_page(request, state, status=422, errors={exc.field: str(exc)},
                                    values={field: value}, failed_id=request_id)
    if not done:  # another admin decided it a moment before
        raise NotFoundException()
    return Redirect(path=f"/clinic/erasure-requests?done={done_word}", status_code=303)


@post("/clinic/erasure-requests/{request_id:int}/confirm", guards=[admin_only])
async def confirm_erasure(request: Request[Any, Any, Any], state: State, request_id: FromPath[int]) -> Response[Any]:
    async def act(db: Any, pending: erasure.Pending, typed: str) -> bool:
        deleted = await erasure.confirm(db, pending, request.user, typed, utcnow(), client_address(request))
        return deleted is not None
    return await _decide(request, state, request_id, "clinic_number", "confirmed", act)


@post("/clinic/erasure-requests/{request_id:int}/decline", guards=[admin_only])
async def decline_erasure(request: Request[Any, Any, Any], state: State, request_id: FromPath[int]) -> Response[Any]:
    async def act(db: Any, pending: erasure.Pending, reason: str) -> bool:
        return await erasure.decline(db, pending, request.user, reason, utcnow(), client_address(request))
    return await _decide(request, state, request_id, "reason", "declined", act)


MY_DATA_ROUTES = [download_my_data, my_data_page, ask_for_erasure, cancel_erasure, erasure_requests,
                  confirm_erasure, decline_erasure]
