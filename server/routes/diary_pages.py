"""The patient's phone pages: the diary, the walk and check-in forms, edit and delete.

Every form works with JavaScript off (plain POST, then a redirect); htmx adds
in-place delete and "show more". Pages with health data are never cached.

A form that changes or deletes an entry carries the entry's version: if the
entry was changed or deleted on another device since the page was opened,
nothing is saved and the patient is shown what the diary holds and asked which
to keep (``_save``). A new entry's form is create-only: sent twice, it saves once.
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
from diary.advice import advice_for, advice_for_signs
from diary.clinics import Contact
from diary.db import transaction
from diary.entries import CheckIn, Walk
from diary.journal import remove_entry, save_entry
from diary.models import Clinic, Patient
from diary.on_record import OnRecord, signs_on_record
from diary.zones import zone_of
from server import forms, versions
from server.auth import client_address, patient_of, patient_only, utcnow

PAGE = 20
MAX_OFFSET = 10**9  # beyond any diary; a bigger number would overflow the database's integer
NO_STORE = {"cache-control": "no-store"}


def page(name: str, context: dict[str, Any], status: int = 200) -> Template:
    return Template(name, context=context, status_code=status, headers=NO_STORE)


async def _context(db: Any, request: Request[Any, Any, Any]) -> tuple[Patient, Clinic, str]:
    """The signed-in patient, their clinic, and the time zone their pages use (their own, else the clinic's)."""
    patient = await patient_of(db, request.user)
    clinic = await db.get(Clinic, patient.clinic_id)
    return patient, clinic, zone_of(request.user, clinic)


def contact_context(patient: Patient, clinic: Clinic) -> dict[str, Any]:
    """The numbers to call for help: shown with the advice, and kept on the phone
    (a meta tag its script stores) so that the offline advice can call them too."""
    contact = Contact.of(clinic)
    return {"contact": contact, "contact_json": contact.as_json(patient.diabetes)}


async def _pace(db: Any, patient: Patient, state: State) -> float:
    return await store.gps_speed_m_per_min(db, patient.id) or state.settings.default_speed_m_per_min


def _form_context(request: Request[Any, Any, Any], patient: Patient, clinic: Clinic, zone: str,
                  values: dict[str, Any], errors: dict[str, str], editing: bool, **extra: Any) -> dict[str, Any]:
    """``extra``: pace (the patient's own, for minutes walked), version (of the entry
    being changed), conflict and restore (``_save``), on_record (the signs on record
    the check-in asks about), advice (shown beside a check-in not saved yet)."""
    return {"user": request.user, "values": values, "errors": errors, "editing": editing,
            "timezone": zone, "quick_distances": forms.QUICK_DISTANCES, **contact_context(patient, clinic), **extra}


def _advice_page(request: Request[Any, Any, Any], patient: Patient, clinic: Clinic, entry: Any) -> Response[Any] | None:
    """The advice an entry answers with at once, never waiting for anyone to read the diary."""
    advice = advice_for(entry, patient.diabetes)
    if advice is None:
        return None
    return page("diary/advice.html", {"user": request.user, "advice": advice, **contact_context(patient, clinic)})


def _opened_by_another(request: Request[Any, Any, Any], form: Any) -> Template | None:
    """A form opened for one account and posted under another's session (someone
    else signed in on the phone meanwhile): refused, so it never lands in the wrong diary."""
    owner = str(form.get("owner") or "")
    if owner and owner != str(request.user.id):
        return page("diary/other_account.html", {"user": request.user}, 409)
    return None


def _precondition(form: Any) -> Any:
    return versions.expect_from_form(str(form.get("version") or ""), bool(form.get("editing")),
                                     restore=form.get("restore") == "1")


def _kept_version(form: Any) -> dict[str, Any]:
    """The version and restore choice a form came with, kept when it is shown again."""
    return {"version": str(form.get("version") or ""), "restore": form.get("restore") == "1"}


async def _save(db: Any, request: Request[Any, Any, Any], patient: Patient, entry: Walk | CheckIn, form: Any,
                now: Any) -> store.PutResult | dict[str, Any]:
    """Save a form's entry at the version it was opened with. When the diary holds
    another version (changed or deleted on another device), nothing is saved and
    the form's extra context says so; a second Save then replaces (or restores) it."""
    try:
        saved, _ = await save_entry(db, patient, entry, now, actor=request.user, address=client_address(request),
                                    expect=_precondition(form))
        return saved
    except store.EntryOwnedElsewhere:
        raise NotFoundException() from None
    except store.EntryGone:
        return {"conflict": {"kind": "deleted"}, "restore": True, "version": ""}
    except store.PreconditionFailed as failed:
        if failed.current is not None and store.same_entry(failed.current, entry):
            return store.PutResult(created=False, previous=failed.current, version=failed.version or 1,
                                   current=entry)  # saved already: the same form sent twice
        return {"conflict": {"kind": "changed", "current": failed.current}, "version": str(failed.version or "")}


@get("/diary", guards=[patient_only])
async def diary_home(request: HTMXRequest, state: State,
                     offset: Annotated[int, Parameter(le=MAX_OFFSET)] = 0) -> Template:
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        entries = await store.list_entries(db, patient.id, limit=PAGE + 1, offset=max(offset, 0))
        advice = advice_for_signs(await flags.live_danger_signs(db, patient.id))
        found = await store.versions(db, patient.id, [e.id for e in entries[:PAGE]])
    context = {"advice": advice, "user": request.user, "patient": patient, "timezone": zone,
               **contact_context(patient, clinic),
               "entries": entries[:PAGE], "more": len(entries) > PAGE, "next_offset": offset + PAGE,
               "versions": found, "done": request.query_params.get("done"),
               "welcome": "welcome" in request.query_params}
    if request.htmx and offset:
        return page("diary/_entries.html", context)
    return page("diary/home.html", context)


@get("/diary/walks/new", guards=[patient_only])
async def new_walk(request: Request[Any, Any, Any], state: State) -> Template:
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        pace = await _pace(db, patient, state)
    values = {"id": str(uuid.uuid4()), "walked_at": forms.local_now(zone, utcnow()), "unit": "m",
              "terrain": "flat", "pain_sites": [], "sensations": []}
    return page("diary/walk_form.html", _form_context(request, patient, clinic, zone, values, {}, editing=False,
                                                      pace=pace))


@post("/diary/walks", guards=[patient_only])
async def save_walk(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    if refused := _opened_by_another(request, form):
        return refused
    now = utcnow()
    editing = bool(form.get("editing"))
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        pace = await _pace(db, patient, state)
        result = forms.read_walk(form, zone, now, pace)
        if result.entry is not None:
            saved = await _save(db, request, patient, result.entry, form, now)
            if isinstance(saved, store.PutResult):
                advice = _advice_page(request, patient, clinic, result.entry)
                if advice is not None:
                    return advice
                return Redirect(path=f"/diary?done={'saved' if saved.created else 'updated'}", status_code=303)
            context = _form_context(request, patient, clinic, zone, result.values, {}, editing, pace=pace,
                                    advice=advice_for(result.entry, patient.diabetes), **saved)
            return page("diary/walk_form.html", context, 409)
    context = _form_context(request, patient, clinic, zone, result.values, result.errors, editing, pace=pace,
                            **_kept_version(form))
    return page("diary/walk_form.html", context, 422)


@get("/diary/check-ins/new", guards=[patient_only])
async def new_check_in(request: Request[Any, Any, Any], state: State) -> Template:
    now = utcnow()
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        on_record = await signs_on_record(db, patient.id, now)
    values = {"id": str(uuid.uuid4()), "recorded_at": forms.local_now(zone, now)}
    return page("diary/check_in_form.html",
                _form_context(request, patient, clinic, zone, values, {}, editing=False, on_record=on_record))


@post("/diary/check-ins", guards=[patient_only])
async def save_check_in(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    if refused := _opened_by_another(request, form):
        return refused
    now = utcnow()
    editing = bool(form.get("editing"))
    on_record: OnRecord | None = None
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        result = forms.read_check_in(form, zone, now)
        saved = await _save(db, request, patient, result.entry, form, now) if result.entry is not None else None
        if result.entry is None and not editing:
            on_record = await signs_on_record(db, patient.id, now)
    if result.entry is None:
        context = _form_context(request, patient, clinic, zone, result.values, result.errors, editing,
                                on_record=on_record, **_kept_version(form))
        return page("diary/check_in_form.html", context, 422)
    if not isinstance(saved, store.PutResult):
        # Not saved yet (the diary holds another version), but the safety advice
        # for what the patient just reported is shown now all the same.
        context = _form_context(request, patient, clinic, zone, result.values, {}, editing,
                                advice=advice_for(result.entry, patient.diabetes), **saved)
        return page("diary/check_in_form.html", context, 409)
    # The advice is the answer to the check-in itself: shown at once, never
    # waiting for anyone to read the diary.
    return _advice_page(request, patient, clinic, result.entry) or Redirect(path="/diary?done=check_in",
                                                                             status_code=303)


@get("/diary/entries/{entry_id:uuid}/edit", guards=[patient_only])
async def edit_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> Template:
    async with transaction(state.sessions) as db:
        patient, clinic, zone = await _context(db, request)
        try:
            found = await store.get_versioned(db, patient.id, entry_id)
        except store.EntryGone:
            found = None
        pace = await _pace(db, patient, state)
    if found is None:
        raise NotFoundException()
    entry, version = found
    if isinstance(entry, Walk):
        values = forms.walk_values(entry, zone)
        return page("diary/walk_form.html", _form_context(request, patient, clinic, zone, values, {}, editing=True,
                                                          pace=pace, version=str(version)))
    values = forms.check_in_values(entry, zone)
    return page("diary/check_in_form.html", _form_context(request, patient, clinic, zone, values, {}, editing=True,
                                                          version=str(version)))


@post("/diary/entries/{entry_id:uuid}/delete", guards=[patient_only])
async def delete_entry(request: HTMXRequest, state: State, entry_id: FromPath[uuid.UUID]) -> Response[Any]:
    """Delete, if the entry is still the version the page showed. If it was changed
    on another device meanwhile, it is shown again as it is now, to delete again."""
    form = await request.form()
    async with transaction(state.sessions) as db:
        patient, _, zone = await _context(db, request)
        try:
            removed = await remove_entry(db, patient, entry_id, utcnow(), actor=request.user,
                                         address=client_address(request),
                                         expect=versions.expect_from_form(str(form.get("version") or ""), True))
        except store.EntryGone:
            removed = "gone"
        except store.PreconditionFailed as failed:
            if request.htmx and failed.current is not None:
                return page("diary/_entry.html", {"entry": failed.current, "timezone": zone,
                                                  "versions": {entry_id: failed.version}, "changed": True})
            return Redirect(path="/diary?done=changed", status_code=303)
    if removed is None:
        raise NotFoundException()
    if request.htmx:
        kind = "entry" if removed == "gone" else "walk" if isinstance(removed, Walk) else "check-in"
        return page("diary/_deleted.html", {"kind": kind})
    return Redirect(path="/diary?done=deleted", status_code=303)


DIARY_ROUTES = [diary_home, new_walk, save_walk, new_check_in, save_check_in, edit_entry, delete_entry]
