"""Error responses: JSON for the API, a friendly page for people."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Template

from diary.entries import EntryError, tidy_problem


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def problems_response(problems: list[tuple[str, str]], status: int = 422) -> Response[Any]:
    """The API's answer to bad input: every bad field named, with its problem."""
    return Response(
        content={
            "status_code": status,
            "detail": "The entry was not saved: " + "; ".join(f"{f}: {m}" for f, m in problems),
            "errors": [{"field": f, "message": m} for f, m in problems],
        },
        status_code=status,
    )


def entry_error(_request: Request[Any, Any, Any], exc: EntryError) -> Response[Any]:
    return problems_response(exc.problems)


def bad_request(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Any 400: Litestar's request validation, or a body that is not JSON at all."""
    raw_extra = exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else []
    extra = [e for e in raw_extra if isinstance(e, dict)]
    problems = [tidy_problem(str(e.get("key") or "").split("."), str(e.get("message", ""))) for e in extra]
    if not problems:
        problems = [("body", f"not valid JSON ({exc.detail})" if exc.detail else "the request could not be read")]
    # A well-formed body with bad values is 422; anything unreadable, or a bad
    # query or path parameter, is 400. Litestar names no source for the fields
    # of a pydantic body (their keys start at the model: "walk.note").
    semantic = bool(extra) and all(e.get("key") and e.get("source", "body") == "body" for e in extra)
    if is_api(request):
        return problems_response(problems, status=422 if semantic else 400)
    said = "; ".join(m for _, m in problems) if extra else (exc.detail or "the request could not be read")
    return Response(content=f"Bad request: {said}", status_code=400, media_type="text/plain")


def not_found(request: Request[Any, Any, Any], _exc: NotFoundException) -> Response[Any]:
    if is_api(request):
        return Response(content={"status_code": 404, "detail": "Not found."}, status_code=404)
    return Template(template_name="errors/404.html", status_code=404,
                    context={"user": request.scope.get("user")})
