"""Error responses: JSON for the API, a friendly page for people."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Template

from litestar.types import Scope

from diary import audit
from diary.db import BUSY, DISK_FULL, UNAVAILABLE, transaction, unavailable
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
    background = _refusal_audit(request)
    if is_api(request):
        return Response(content={"status_code": 404, "detail": "Not found."}, status_code=404, background=background)
    return Template(template_name="errors/404.html", status_code=404, background=background,
                    context={"user": request.scope.get("user")})


def _refusal_audit(request: Request[Any, Any, Any]) -> BackgroundTask | None:
    """A member of staff asking for a record by its id and told 404 (another clinic's patient, flag,
    export or request, or one that is gone) leaves a row in their own clinic's audit log, for their
    admin to see: the route and the ids asked for, nothing else. Patients' 404s are not written:
    their phones ask for entries that are not sent yet as a matter of course."""
    user = request.scope.get("user")
    params = request.scope.get("path_params") or {}
    if user is None or not user.is_staff or not params:
        return None
    detail = {"method": request.method, "route": request.scope.get("path_template", ""),
              "ids": {name: str(value)[:64] for name, value in params.items()}}
    return BackgroundTask(_record_refusal, request.app.state.sessions, user, detail, request.client.host
                          if request.client else None)


async def _record_refusal(sessions: Any, user: Any, detail: dict[str, Any], address: str | None) -> None:
    try:
        async with transaction(sessions) as db:
            await audit.record(db, action="access.not_found", now=datetime.now(UTC), actor=user, detail=detail,
                               address=address)
    except Exception as exc:  # noqa: BLE001 - the answer has gone; an outage is logged elsewhere
        logging.getLogger("diary.audit").warning("A refused request could not be audited: %s",
                                                 type(exc).__name__)


# --- when the database cannot answer: 503, and a log that does not flood ---------------

RETRY_AFTER_S = 5
QUIET_S = 60.0  # an outage with no failure for this long is over, whatever succeeded meanwhile
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OUTAGE_WORDS = {
    DISK_FULL: "The diary's storage is full.",
    UNAVAILABLE: "The diary's database cannot be reached.",
    BUSY: "The diary is too busy to answer.",
}


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Any exception no other handler took: 503 with Retry-After when the database cannot
    answer (down, restarting, its disk full), so a phone, a supervisor or a load balancer
    knows to try again; 500 otherwise. Neither says more than that."""
    kind = unavailable(exc)
    if kind is None:
        if is_api(request):
            return Response(content={"status_code": 500, "detail": "Internal Server Error"}, status_code=500)
        return Response(content="Something went wrong on our side. Please try again.", status_code=500,
                        media_type="text/plain")
    headers = {"retry-after": str(RETRY_AFTER_S), "cache-control": "no-store"}
    said = f"{OUTAGE_WORDS[kind]} Nothing was saved."
    if is_api(request):
        return Response(content={"status_code": 503, "detail": f"{said} Please try again in a minute.",
                                 "reason": kind}, status_code=503, headers=headers)
    return Template(template_name="errors/503.html", status_code=503, headers=headers,
                    context={"user": None, "said": said})


class OutageLog:
    """Logs a database outage without flooding the disk it may share with the database:
    the first failure with its traceback, then one line a second with a count, and a
    line when requests succeed again. Anything else is logged whole, as before."""

    def __init__(self, logger: logging.Logger, clock: Callable[[], float] = time.monotonic) -> None:
        self.logger, self.clock = logger, clock
        self.kind: str | None = None
        self.since = self.last_line = self.last_failure = 0.0
        self.total = self.unlogged = 0

    def failed(self, kind: str, exc: BaseException) -> None:
        now = self.clock()
        if self.kind is not None and now - self.last_failure > QUIET_S:
            self.kind = None  # long quiet: whatever fails now is a new outage, with its own traceback
        self.last_failure = now
        if self.kind is None:
            self.kind, self.since, self.last_line, self.total, self.unlogged = kind, now, now, 1, 0
            self.logger.error("Database outage (%s): answering 503 with Retry-After until it is back. "
                              "The first failure:", kind, exc_info=(type(exc), exc, exc.__traceback__))
            return
        self.total += 1
        self.unlogged += 1
        if now - self.last_line >= 1.0:
            self.logger.warning("Database outage (%s) for %.0f s: %d requests answered 503 in the last %.1f s.",
                                kind, now - self.since, self.unlogged, now - self.last_line)
            self.last_line, self.unlogged = now, 0

    def answered(self, method: str, status: int) -> None:
        """A response went out. A write that succeeded ends the outage (a read may succeed on a full disk)."""
        if self.kind is not None and method in WRITES and status < 400:
            self.logger.warning("Database back after %.1f s (%s): %d requests were answered 503.",
                                self.clock() - self.since, self.kind, self.total)
            self.kind = None

    def log_exception(self, logger: logging.Logger, scope: Scope, _tb: list[str]) -> None:
        """Litestar's exception logging handler: outages through ``failed``, the rest whole."""
        exc = sys.exc_info()[1]
        kind = unavailable(exc) if exc is not None else None
        if kind is not None and exc is not None:
            self.failed(kind, exc)
            return
        logger.exception("Uncaught exception (%s %s):", scope.get("method", ""), scope.get("path", ""))
