"""The JSON API under /api/v1, for the signed-in patient's own entries.

Same session cookie as the pages, and the same CSRF protection: unsafe
requests send the token in the ``x-csrftoken`` header. Bodies are the
interchange format of ``diary.entries``. Every answer, the refusals too, is
documented in the OpenAPI schema (``/schema/openapi.json``), and the
Schemathesis test checks that the API sends only what the schema says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, delete, get, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody, Schema
from litestar.params import FromPath, Parameter
from pydantic import BaseModel

from diary import store
from diary.db import transaction
from diary.entries import Entry, EntryError, dump_entry, parse_entry, read_json
from diary.journal import remove_entry, save_entry
from server.auth import client_address, patient_of, patient_only, utcnow
from server.errors import problems_response

MAX_PAGE = 200
MAX_OFFSET = 10**9  # beyond any diary; a bigger number would overflow the database's integer


class EntryPage(BaseModel):
    entries: list[Entry]
    total: int
    next: str | None


class Problem(BaseModel):
    field: str
    message: str


class Problems(BaseModel):
    """Bad input: every bad field named, and nothing written."""

    status_code: int
    detail: str
    errors: list[Problem]


class Refusal(BaseModel):
    status_code: int
    detail: str


def _answers(*codes: int) -> dict[int, ResponseSpec]:
    """The refusals an operation may send, as the OpenAPI schema documents them."""
    known = {
        400: ResponseSpec(Problems, description="Unreadable: a bad parameter, or a body that is not JSON.",
                          generate_examples=False),
        401: ResponseSpec(Refusal, description="Not signed in.", generate_examples=False),
        403: ResponseSpec(Refusal, description="The CSRF token is missing or wrong.", generate_examples=False),
        404: ResponseSpec(Refusal, description="No such entry for this patient, or not a patient.",
                          generate_examples=False),
        413: ResponseSpec(Refusal, description="The body is larger than the server accepts.", generate_examples=False),
        422: ResponseSpec(Problems, description="Bad values, each field named; nothing is saved.",
                          generate_examples=False),
    }
    return {code: known[code] for code in codes}


def _schema_ref(name: str) -> Reference:
    return Reference(ref=f"#/components/schemas/{name}")


@dataclass
class _PutEntryOperation(Operation):
    """PUT reads its body itself (``read_json``, stricter than Litestar's parser), so its body is described here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True, description="A walk or a check-in in the interchange format.",
            content={"application/json": OpenAPIMediaType(
                schema=Schema(one_of=[_schema_ref("Walk"), _schema_ref("CheckIn")]))},
        )


@get("/api/v1/entries", guards=[patient_only], responses=_answers(400, 401, 404))
async def list_entries(
    request: Request[Any, Any, Any], state: State,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
) -> Response[EntryPage]:
    """The signed-in patient's walks and check-ins, newest first."""
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        entries = await store.list_entries(db, patient.id, limit=limit, offset=offset)
        total = await store.count_entries(db, patient.id)
    following = f"/api/v1/entries?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    body = {"entries": [dump_entry(e) for e in entries], "total": total, "next": following}
    return Response(body, headers={"cache-control": "no-store"})


@get("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], responses=_answers(400, 401, 404))
async def get_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> Response[Entry]:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        entry = await store.get_entry(db, patient.id, entry_id)
    if entry is None:
        raise NotFoundException()
    return Response(dump_entry(entry), headers={"cache-control": "no-store"})


@put("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], operation_class=_PutEntryOperation, responses={
    201: ResponseSpec(Entry, description="Created.", generate_examples=False),
    **_answers(400, 401, 403, 404, 413, 422),
})
async def put_entry(
    request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID],
) -> Response[Entry]:
    """Create the entry with this client UUID, or replace it: sending it twice stores it once."""
    now = utcnow()
    try:
        raw = read_json(await request.body(), what="body")
    except EntryError as exc:
        return problems_response(exc.problems, status=400)
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


@delete("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], status_code=204,
        responses=_answers(400, 401, 403, 404))
async def delete_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> None:
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        removed = await remove_entry(db, patient, entry_id, utcnow(), actor=request.user,
                                     address=client_address(request))
    if removed is None:
        raise NotFoundException()


API_ROUTES = [list_entries, get_entry, put_entry, delete_entry]
