"""The patient's phone pages: the diary, the walk and check-in forms, edit and delete.

Every form works with JavaScript off (plain POST, then a redirect); htmx adds
in-place delete and "show more". Pages with health data are never cached.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, Parameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from diary import flags, store
from diary.advice import advice_for, advice_for_flags, what_was_reported
from diary.db import transaction
from diary.entries import Walk
from diary.journal import remove_entry, save_entry
from diary.models import Clinic, Patient
from server import forms
from server.auth import client_address, patient_of, patient_only, utcnow

PAGE = 20
MAX_OFFSET = 10**9  # beyond any diary; a bigger number would overflow the database's integer
NO_STORE = {"cache-control": "no-store"}


def page(name: str, context: dict[str, Any], status: int = 200) -> Template:
    return Template(name, context=context, status_code=status, headers=NO_STORE)


async def _context(db: Any, request: Request[Any, Any, Any]) -> tuple[Patient, Clinic]:
    patient = await patient_of(db, request.user)
    return patient, await db.get(Clinic, patient.clinic_id)


async def _pace(db: Any, patient: Patient, state: State) -> float:
    return await store.gps_speed_m_per_min(db, patient.id) or state.settings.default_speed_m_per_min


def _form_context(request: Request[Any, Any, Any], clinic: Clinic, values: dict[str, Any],
                  errors: dict[str, str], editing: bool) -> dict[str, Any]:
    return {"user": request.user, "values": values, "errors": errors, "editing": editing,
            "timezone": clinic.timezone, "quick_distances": forms.QUICK_DISTANCES}


@get("/diary", guards=[patient_only])
async def diary_home(request: HTMXRequest, state: State,
                     offset: Annotated[int, Parameter(le=MAX_OFFSET)] = 0) -> Template:
    async with transaction(state.sessions) as db:
        patient, clinic = await _context(db, request)
        entries = await store.list_entries(db, patient.id, limit=PAGE + 1, offset=max(offset, 0))
        advice = advice_for_flags(await flags.live_urgent_rules(db, patient.id))
    context = {"advice": advice, "user": request.user, "patient": patient, "timezone": clinic.timezone,
               "entries": entries[:PAGE], "more": len(entries) > PAGE, "next_offset": offset + PAGE,
               "done": request.query_params.get("done"), "welcome": "welcome" in request.query_params}
    if request.htmx and offset:
        return page("diary/_entries.html", context)
    return page("diary/home.html", context)


@get("/diary/walks/new", guards=[patient_only])
async def new_walk(request: Request[Any, Any, Any], state: State) -> Template:
    async with transaction(state.sessions) as db:
        _, clinic = await _context(db, request)
    values = {"id": str(uuid.uuid4()), "walked_at": forms.local_now(clinic.timezone, utcnow()), "unit": "m",
              "terrain": "flat", "pain_sites": [], "sensations": []}
    return page("diary/walk_form.html", _form_context(request, clinic, values, {}, editing=False))


@post("/diary/walks", guards=[patient_only])
async def save_walk(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    now = utcnow()
    async with transaction(state.sessions) as db:
        patient, clinic = await _context(db, request)
        result = forms.read_walk(form, clinic.timezone, now, await _pace(db, patient, state))
        if result.entry is not None:
            try:
                saved, _ = await save_entry(db, patient, result.entry, now, actor=request.user,
                                            address=client_address(request))
            except store.EntryOwnedElsewhere:
                raise NotFoundException() from None
            return Redirect(path=f"/diary?done={'saved' if saved.created else 'updated'}", status_code=303)
    editing = bool(form.get("editing"))
    return page("diary/walk_form.html", _form_context(request, clinic, result.values, result.errors, editing), 422)


@get("/diary/check-ins/new", guards=[patient_only])
async def new_check_in(request: Request[Any, Any, Any], state: State) -> Template:
    async with transaction(state.sessions) as db:
        _, clinic = await _context(db, request)
    values = {"id": str(uuid.uuid4()), "recorded_at": forms.local_now(clinic.timezone, utcnow())}
    return page("diary/check_in_form.html", _form_context(request, clinic, values, {}, editing=False))


@post("/diary/check-ins", guards=[patient_only])
async def save_check_in(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    now = utcnow()
    async with transaction(state.sessions) as db:
        patient, clinic = await _context(db, request)
        result = forms.read_check_in(form, clinic.timezone, now)
        if result.entry is not None:
            try:
                await save_entry(db, patient, result.entry, now, actor=request.user, address=client_address(request))
            except store.EntryOwnedElsewhere:
                raise NotFoundException() from None
    if result.entry is None:
        editing = bool(form.get("editing"))
        return page("diary/check_in_form.html", _form_context(request, clinic, result.values, result.errors, editing),
                    422)
    advice = advice_for(result.entry)
    if advice is None:
        return Redirect(path="/diary?done=check_in", status_code=303)
    # The advice is the answer to the check-in itself: shown at once, never
    # waiting for anyone to read the diary.
    return page("diary/advice.html", {"user": request.user, "advice": advice,
                                      "reported": what_was_reported(result.entry)})


@get("/diary/entries/{entry_id:uuid}/edit", guards=[patient_only])
async def edit_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> Template:
    async with transaction(state.sessions) as db:
        patient, clinic = await _context(db, request)
        entry = await store.get_entry(db, patient.id, entry_id)
    if entry is None:
        raise NotFoundException()
    if isinstance(entry, Walk):
        values = forms.walk_values(entry, clinic.timezone)
        return page("diary/walk_form.html", _form_context(request, clinic, values, {}, editing=True))
    values = forms.check_in_values(entry, clinic.timezone)
    return page("diary/check_in_form.html", _form_context(request, clinic, values, {}, editing=True))


@post("/diary/entries/{entry_id:uuid}/delete", guards=[patient_only])
async def delete_entry(request: HTMXRequest, state: State, entry_id: FromPath[uuid.UUID]) -> Response[Any]:
    async with transaction(state.sessions) as db:
        patient, _ = await _context(db, request)
        removed = await remove_entry(db, patient, entry_id, utcnow(), actor=request.user,
                                     address=client_address(request))
    if removed is None:
        raise NotFoundException()
    if request.htmx:
        kind = "walk" if isinstance(removed, Walk) else "check-in"
        return page("diary/_deleted.html", {"kind": kind})
    return Redirect(path="/diary?done=deleted", status_code=303)


DIARY_ROUTES = [diary_home, new_walk, save_walk, new_check_in, save_check_in, edit_entry, delete_entry]
