"""The front door and the health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Redirect
from sqlalchemy import text

from diary.db import transaction
from server.routes.auth_pages import home_for


@get("/")
async def index(request: Request[Any, Any, Any]) -> Redirect:
    user = request.scope.get("user")
    return Redirect(path=home_for(user) if user else "/login", status_code=303)


@get("/healthz")
async def healthz(state: State) -> dict[str, str]:
    async with transaction(state.sessions) as db:
        await db.execute(text("SELECT 1"))
    return {"status": "ok"}


HOME_ROUTES = [index, healthz]
