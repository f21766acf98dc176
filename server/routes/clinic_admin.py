"""An admin manages the clinic's clinicians: invite, deactivate, reactivate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template

from diary import accounts, audit, ratelimit, staff
from diary.db import transaction
from diary.models import Clinic, Role, User
from server import throttle
from server.auth import client_address, site_url, staff_only, utcnow
from server.routes.auth_pages import signed_in_response

NO_STORE = {"cache-control": "no-store"}
INVITE_VALID = timedelta(days=7)


def admin_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    staff_only(connection, handler)
    if connection.scope["user"].role != Role.admin:
        raise NotFoundException()


async def _page(request: Request[Any, Any, Any], state: State, status: int = 200, **extra: Any) -> Template:
    user: User = request.user
    async with transaction(state.sessions) as db:
        context = {"user": user, "clinic": await db.get(Clinic, user.clinic_id),
                   "staff": await staff.list_staff(db, user.clinic_id),
                   "invites": await staff.pending_invites(db, user.clinic_id, utcnow()),
                   "values": {}, "errors": {}, "invited": None}
    context.update(extra)
    return Template("clinic/staff.html", context=context, status_code=status, headers=NO_STORE)


@get("/clinic/staff", guards=[admin_only])
async def staff_page(request: Request[Any, Any, Any], state: State) -> Template:
    return await _page(request, state)


@post("/clinic/staff/invite", guards=[admin_only])
async def invite(request: Request[Any, Any, Any], state: State) -> Template:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("email", "display_name", "role")}
    role = Role(values["role"]) if values["role"] in ("clinician", "admin") else Role.clinician
    try:
        async with transaction(state.sessions) as db:
            code = await staff.invite(db, request.user, email=values["email"], display_name=values["display_name"],
                                      role=role, now=utcnow(), valid_for=INVITE_VALID)
    except accounts.AccountError as exc:
        return await _page(request, state, status=422, values=values, errors={exc.field: str(exc)})
    url = f"{site_url(request)}/join?code={code}"
    return await _page(request, state, invited={"email": values["email"], "code": code, "url": url})


@post("/clinic/staff/{user_id:int}/active", guards=[admin_only])
async def set_active(request: Request[Any, Any, Any], state: State, user_id: FromPath[int]) -> Response[Any]:
    form = await request.form()
    try:
        async with transaction(state.sessions) as db:
            changed = await staff.set_active(db, request.user, user_id, form.get("active") == "yes", utcnow())
    except accounts.AccountError as exc:
        return await _page(request, state, status=422, errors={exc.field: str(exc)})
    if changed is None:
        raise NotFoundException()
    return Redirect(path="/clinic/staff", status_code=303)


@post("/clinic/staff/{user_id:int}/role", guards=[admin_only])
async def set_role(request: Request[Any, Any, Any], state: State, user_id: FromPath[int]) -> Response[Any]:
    form = await request.form()
    wanted = str(form.get("role", ""))
    try:
        role = Role(wanted) if wanted in ("clinician", "admin") else None
        if role is None:
            raise accounts.AccountError("user", "Choose clinician or admin.")
        async with transaction(state.sessions) as db:
            changed = await staff.set_role(db, request.user, user_id, role, utcnow())
    except accounts.AccountError as exc:
        return await _page(request, state, status=422, errors={"user": str(exc)})
    if changed is None:
        raise NotFoundException()
    return Redirect(path="/clinic/staff", status_code=303)


@get("/join")
async def join_page(request: Request[Any, Any, Any]) -> Template:
    return Template("auth/join.html", context={"user": None, "values": {"code": request.query_params.get("code", "")},
                                               "errors": {}})


@post("/join")
async def join(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    values = {"code": str(form.get("code", "")).strip()}
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors: dict[str, str] = {}
    if password != again:
        errors["password_again"] = "The two passwords are not the same."
    context = {"user": None, "values": values, "errors": errors}
    limits = throttle.code_limits(request, state.settings)
    if not errors:
        now, address = utcnow(), client_address(request)
        wait = await throttle.take(state.sessions, limits, now)
        if wait is not None:
            return throttle.too_many("auth/join.html", context, wait, field="code")
        try:
            async with transaction(state.sessions) as db:
                user = await staff.accept_invite(db, values["code"], password, now)
                await ratelimit.give_back(db, limits, now)
                return await signed_in_response(request, db, state.settings, user, False, "/clinic")
        except accounts.AccountError as exc:
            errors[exc.field] = str(exc)
            async with transaction(state.sessions) as db:
                if exc.field != "code":  # a common password: not a guess at a code
                    await ratelimit.give_back(db, limits, now)
                else:
                    # With why, for the operator only: no clinic's admin sees it, since "this email has
                    # an account" is exactly what an invitation must not tell the admin who sent it.
                    await audit.record(db, action="staff.join_refused", now=now, address=address,
                                       detail={"reason": exc.reason or "refused"})
    return Template("auth/join.html", status_code=422, context=context)


ADMIN_ROUTES = [staff_page, invite, set_active, set_role, join_page, join]
