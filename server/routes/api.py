"""The JSON API under /api/v1, for the signed-in patient's own entries.

Same session cookie as the pages, and the same CSRF protection: unsafe
requests send the token in the ``x-csrftoken`` header. Bodies are the
interchange format of ``diary.entries``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, delete, get, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, Parameter
from pydantic import BaseModel

from diary import store
from diary.db import transaction
from diary.entries import Entry, EntryBody, EntryError, dump_entry, parse_entry
from diary.journal import remove_entry, save_entry
from server.auth import client_address, patient_of, patient_only, utcnow
from server.errors import problems_response

MAX_PAGE = 200


class EntryPage(BaseModel):
    entries: list[Entry]
    total: int
    next: str | None


@get("/api/v1/entries", guards=[patient_only])
async def list_entries(
    request: Request[Any, Any, Any], state: State,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> Response[EntryPage]:
    """The signed-in patient's walks and check-ins, newest first."""
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        entries = await store.list_entries(db, patient.id, limit=limit, offset=offset)
        total = await store.count_entries(db, patient.id)
    following = f"/api/v1/entries?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    body = {"entries": [dump_entry(e) for e in entries], "total": total, "next": following}
    return Response(body, headers={"cache-control": "no-store"})


@get("/api/v1/entries/{entry_id:uuid}", guards=[patient_only])
async def get_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> Response[Entry]:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        entry = await store.get_entry(db, patient.id, entry_id)
    if entry is None:
        raise NotFoundException()
    return Response(dump_entry(entry), headers={"cache-control": "no-store"})


@put("/api/v1/entries/{entry_id:uuid}", guards=[patient_only])
async def put_entry(
    request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID],
    data: Annotated[EntryBody, Body(description="A walk or a check-in in the interchange format.")],
) -> Response[Entry]:
    """Create the entry with this client UUID, or replace it: sending it twice stores it once."""
    raw = await request.json()
    now = utcnow()
    try:
        entry = parse_entry(raw, now=now)
    except EntryError as exc:
        return problems_response(exc.problems)
    if entry.id != entry_id:
        return problems_response([("id", "must match the id in the address")])
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        try:
            result, _ = await save_entry(db, patient, entry, now, actor=request.user, address=client_address(request))
        except store.EntryOwnedElsewhere:
            raise NotFoundException() from None
    return Response(dump_entry(entry), status_code=201 if result.created else 200,
                    headers={"cache-control": "no-store"})


@delete("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], status_code=204)
async def delete_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> None:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        removed = await remove_entry(db, patient, entry_id, utcnow(), actor=request.user,
                                     address=client_address(request))
    if removed is None:
        raise NotFoundException()


API_ROUTES = [list_entries, get_entry, put_entry, delete_entry]
