"""A signed-in person's own account: password, signed-in devices, passkeys, their data.

Any role may use these pages; each acts only on the signed-in user's own
account. Changing the password ends every other session and starts a new one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from diary import accounts, audit, passkeys, zones
from diary.db import transaction
from diary.models import Clinic, User
from server.auth import client_address, current_user, patient_only, utcnow
from server.routes.auth_pages import signed_in_response

NO_STORE = {"cache-control": "no-store"}


def signed_in_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException("Please sign in.")


async def account_context(db: Any, request: Request[Any, Any, Any]) -> dict[str, Any]:
    user: User = request.user
    clinic = await db.get(Clinic, user.clinic_id)
    return {"user": user, "sessions": await accounts.sessions_of(db, user.id),
            "passkeys": await passkeys.for_user(db, user.id),
            "current_session_id": request.scope["auth"].id, "values": {}, "errors": {}, "done": None,
            "timezone": zones.zone_of(user, clinic), "clinic_timezone": clinic.timezone,
            "zone_choices": zones.zone_choices()}


async def _page(request: Request[Any, Any, Any], state: State, status: int = 200, **extra: Any) -> Template:
    async with transaction(state.sessions) as db:
        context = await account_context(db, request)
    context.update(extra)
    return Template("account/home.html", context=context, status_code=status, headers=NO_STORE)


@get("/account", guards=[signed_in_only])
async def account_page(request: Request[Any, Any, Any], state: State) -> Template:
    return await _page(request, state, done=request.query_params.get("done"))


@post("/account/password", guards=[signed_in_only])
async def change_password(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    current, new, again = (str(form.get(k, "")) for k in ("current_password", "password", "password_again"))
    user: User = request.user
    errors: dict[str, str] = {}
    if new != again:
        errors["password_again"] = "The two new passwords are not the same."
    if not errors:
        try:
            async with transaction(state.sessions) as db:
                now = utcnow()
                await accounts.change_password(db, user, current, new, now)
                await audit.record(db, action="account.password_changed", now=now, actor=user,
                                   address=client_address(request))
                # Every session of this user ends, this one included; a fresh one replaces it.
                await accounts.end_all_sessions(db, user.id)
                keep = bool(request.scope["auth"].keep_signed_in)
                return await signed_in_response(request, db, state.settings, user, keep, "/account?done=password")
        except accounts.AccountError as exc:
            errors[exc.field] = str(exc)
    return await _page(request, state, status=422, errors=errors)


@post("/account/sessions/end-others", guards=[signed_in_only])
async def end_other_sessions(request: Request[Any, Any, Any], state: State) -> Redirect:
    user: User = request.user
    async with transaction(state.sessions) as db:
        ended = await accounts.end_all_sessions(db, user.id, keep_session_id=request.scope["auth"].id)
        await audit.record(db, action="account.sessions_ended", now=utcnow(), actor=user,
                           detail={"ended": ended, "by": "self"}, address=client_address(request))
    return Redirect(path="/account?done=sessions", status_code=303)


@post("/account/time-zone", guards=[patient_only])
async def set_time_zone(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """A patient's own time zone for their pages; empty means the clinic's. Staff use the clinic's."""
    form = await request.form()
    chosen = str(form.get("timezone", "")).strip()
    user: User = request.user
    if chosen and not zones.is_zone(chosen):
        return await _page(request, state, status=422, errors={"timezone": "Choose a time zone from the list."})
    async with transaction(state.sessions) as db:
        stored = await db.get(User, user.id)
        stored.timezone = chosen or None
        db.add(stored)
    return Redirect(path="/account?done=time_zone#time-zone", status_code=303)


ACCOUNT_ROUTES = [account_page, change_password, end_other_sessions, set_time_zone]
