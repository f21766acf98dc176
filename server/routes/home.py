"""The front door, and the health checks for a supervisor or a load balancer."""

from __future__ import annotations

from functools import cache
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy import text

from diary import migrate
from diary.db import read_transaction, unavailable
from server.routes.auth_pages import home_for

NO_STORE = {"cache-control": "no-store"}


@get("/")
async def index(request: Request[Any, Any, Any]) -> Redirect:
    user = request.scope.get("user")
    return Redirect(path=home_for(user) if user else "/login", status_code=303)


@get("/healthz")
async def healthz() -> Response[dict[str, str]]:
    """The process is up and answering. It asks nothing of the database: restarting the
    process would not bring a database back (that is /readyz)."""
    return Response({"status": "ok"}, headers=NO_STORE)


@cache
def _heads() -> frozenset[str]:
    return migrate.heads()


@get("/readyz")
async def readyz(state: State) -> Response[dict[str, str]]:
    """Ready for requests: the database answers and its migrations are the ones this release ships.
    503 with Retry-After otherwise, and the reason in a word; never any data."""
    try:
        async with read_transaction(state.sessions) as db:
            current = frozenset((await db.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except Exception as exc:  # noqa: BLE001 - not ready, whatever the database says
        reason = unavailable(exc) or "database_error"
        return Response({"status": "unavailable", "reason": reason}, status_code=503,
                        headers={**NO_STORE, "retry-after": "5"})
    if current != _heads():
        return Response({"status": "unavailable", "reason": "migrations_pending"}, status_code=503,
                        headers={**NO_STORE, "retry-after": "30"})
    return Response({"status": "ok"}, headers=NO_STORE)


HOME_ROUTES = [index, healthz, readyz]
