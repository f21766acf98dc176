"""The JSON API under /api/v1, for the signed-in patient's own entries.

Same session cookie as the pages, and the same CSRF protection: unsafe
requests send the token in the ``x-csrftoken`` header. Bodies are the
interchange format of ``diary.entries``. Every answer, the refusals too, is
documented in the OpenAPI schema (``/schema/openapi.json``), and the
Schemathesis test checks that the API sends only what the schema says.

Entries carry versions (``server.versions``): every read and write answers with
the entry's ETag, a write may name the version it read (If-Match) or ask to
create only (If-None-Match: *) and gets 412 with what is stored when that
fails, and a deleted entry answers 410 until the patient restores it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, delete, get, put
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Reference, RequestBody, Schema
from litestar.params import FromPath, HeaderParameter, Parameter
from pydantic import BaseModel

from diary import store
from diary.db import transaction
from diary.entries import Entry, EntryError, dump_entry, from_client, parse_entry, read_json
from diary.journal import remove_entry, save_entry
from server.auth import client_address, patient_of, patient_only, utcnow
from server.errors import problems_response
from server.versions import BadPrecondition, etag, expect_from_headers

MAX_PAGE = 200
MAX_OFFSET = 10_000_000  # far beyond any diary; a larger one is a bad parameter (400), not a database overflow
NO_STORE = {"cache-control": "no-store"}


class EntryPage(BaseModel):
    entries: list[Entry]
    total: int
    next: str | None
    etags: dict[str, str] = {}


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


class Gone(BaseModel):
    """The entry was deleted; it stays deleted unless the patient restores it."""

    status_code: int
    detail: str
    deleted_at: datetime


class Failed(BaseModel):
    """A precondition failed: what the diary holds now (its ETag in the header), or null if nothing."""

    status_code: int
    detail: str
    current: Entry | None


def _answers(*codes: int) -> dict[int, ResponseSpec]:
    """The refusals an operation may send, as the OpenAPI schema documents them."""
    known = {
        400: ResponseSpec(Problems, description="Unreadable: a bad parameter, or a body that is not JSON.",
                          generate_examples=False),
        401: ResponseSpec(Refusal, description="Not signed in.", generate_examples=False),
        403: ResponseSpec(Refusal, description="The CSRF token is missing or wrong.", generate_examples=False),
        404: ResponseSpec(Refusal, description="No such entry for this patient, or not a patient.",
                          generate_examples=False),
        410: ResponseSpec(Gone, description="The entry was deleted (restore=true brings it back).",
                          generate_examples=False),
        412: ResponseSpec(Failed, description="The entry is not the version the write expected (If-Match), "
                          "or exists already (If-None-Match: *).", generate_examples=False),
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
    """The signed-in patient's walks and check-ins, newest first, with each one's ETag."""
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        entries = await store.list_entries(db, patient.id, limit=limit, offset=offset)
        total = await store.count_entries(db, patient.id)
        found = await store.versions(db, patient.id, [e.id for e in entries])
    following = f"/api/v1/entries?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    body = {"entries": [dump_entry(e) for e in entries], "total": total, "next": following,
            "etags": {str(i): etag(v) for i, v in found.items()}}
    return Response(body, headers=NO_STORE)


@get("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], responses={
    200: ResponseSpec(Entry, description="The entry; its ETag header is its version.", generate_examples=False),
    **_answers(400, 401, 404, 410),
})
async def get_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID]) -> Response[Entry]:
    try:
        async with transaction(state.sessions) as db:
            patient = await patient_of(db, request.user)
            found = await store.get_versioned(db, patient.id, entry_id)
    except store.EntryGone as gone:
        return _gone(gone)
    if found is None:
        raise NotFoundException()
    entry, version = found
    return Response(dump_entry(entry), headers={**NO_STORE, "etag": etag(version)})


IfMatch = Annotated[str | None, HeaderParameter(
    name="if-match", required=False,
    description='The ETag the client read ("3"): the write goes ahead only if the entry is still that '
                "version, else 412. The phone sends it on every replace and delete.")]
IfNoneMatch = Annotated[str | None, HeaderParameter(
    name="if-none-match", required=False,
    description="*: create only; 412 if an entry with this id is stored already (the phone replaying a "
                "new entry whose answer it never received).")]


@put("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], operation_class=_PutEntryOperation, responses={
    200: ResponseSpec(Entry, description="Replaced (or already stored as sent); ETag: its version.",
                      generate_examples=False),
    201: ResponseSpec(Entry, description="Created; ETag: its version.", generate_examples=False),
    **_answers(400, 401, 403, 404, 410, 412, 413, 422),
})
async def put_entry(
    request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID],
    if_match: IfMatch = None, if_none_match: IfNoneMatch = None,
    restore: Annotated[bool, Parameter(description="Bring back an entry that was deleted (the patient chose "
                                                   "to); without it a deleted entry answers 410.")] = False,
) -> Response[Entry]:
    """Create the entry with this client UUID, or replace it: sending it twice stores it once.

    Without If-Match an existing entry is replaced as before (recorded in its
    revision history); with it, only if it is still the version read.
    ``received_at`` is the server's: a value in the body is ignored."""
    now = utcnow()
    try:
        expect = expect_from_headers(if_match, if_none_match, restore)
        raw = read_json(await request.body(), what="body")
    except BadPrecondition as exc:
        return problems_response([(exc.header, str(exc).split(": ", 1)[1])], status=400)
    except EntryError as exc:
        return problems_response(exc.problems, status=400)
    if isinstance(raw, dict):
        raw.pop("received_at", None)  # the server's to set, whatever a client sends
    try:
        entry = from_client(parse_entry(raw, now=now))
    except EntryError as exc:
        return problems_response(exc.problems)
    if entry.id != entry_id:
        return problems_response([("id", "must match the id in the address")])
    try:
        async with transaction(state.sessions) as db:
            patient = await patient_of(db, request.user)
            result, _ = await save_entry(db, patient, entry, now, actor=request.user,
                                         address=client_address(request), expect=expect)
    except store.EntryOwnedElsewhere:
        raise NotFoundException() from None
    except store.EntryGone as gone:
        return _gone(gone)
    except store.PreconditionFailed as failed:
        return _failed(failed)
    received = now if result.created else (result.previous.received_at if result.previous else None)
    return Response(dump_entry(entry.model_copy(update={"received_at": received})),
                    status_code=201 if result.created else 200, headers={**NO_STORE, "etag": etag(result.version)})


@delete("/api/v1/entries/{entry_id:uuid}", guards=[patient_only], status_code=204,
        responses=_answers(400, 401, 403, 404, 410, 412))
async def delete_entry(request: Request[Any, Any, Any], state: State, entry_id: FromPath[uuid.UUID],
                       if_match: IfMatch = None) -> None:
    """Delete the entry (only if it is still the version read, with If-Match). It stays
    deleted: a later write answers 410 unless the patient restores it."""
    try:
        expect = expect_from_headers(if_match, None)
        async with transaction(state.sessions) as db:
            patient = await patient_of(db, request.user)
            removed = await remove_entry(db, patient, entry_id, utcnow(), actor=request.user,
                                         address=client_address(request), expect=expect)
    except BadPrecondition as exc:
        return problems_response([(exc.header, str(exc).split(": ", 1)[1])], status=400)  # type: ignore[return-value]
    except store.EntryGone as gone:
        return _gone(gone)  # type: ignore[return-value]
    except store.PreconditionFailed as failed:
        return _failed(failed)  # type: ignore[return-value]
    if removed is None:
        raise NotFoundException()
    return None


def _gone(gone: store.EntryGone) -> Response[Any]:
    body = {"status_code": 410, "detail": "This entry was deleted from the diary.",
            "deleted_at": gone.deleted_at.isoformat()}
    return Response(body, status_code=410, headers=NO_STORE)


def _failed(failed: store.PreconditionFailed) -> Response[Any]:
    body = {"status_code": 412, "detail": "The entry in the diary is not the version this write expected.",
            "current": dump_entry(failed.current) if failed.current is not None else None}
    headers = {**NO_STORE, **({"etag": etag(failed.version)} if failed.version is not None else {})}
    return Response(body, status_code=412, headers=headers)


API_ROUTES = [list_entries, get_entry, put_entry, delete_entry]
