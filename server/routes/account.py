"""A signed-in person's own account: password, signed-in devices, passkeys, their data.

Any role may use these pages; each acts only on the signed-in user's own
account. Changing the password ends every other session and starts a new one,
and offers to remove the passkeys. Typing the password again (to change it, or
to add a passkey) is limited and audited like signing in.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from diary import accounts, audit, passkeys, ratelimit, zones
from diary.db import transaction
from diary.models import Clinic, User
from server import throttle
from server.auth import client_address, current_user, patient_only, utcnow
from server.routes.auth_pages import signed_in_response

NO_STORE = {"cache-control": "no-store"}


def signed_in_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException("Please sign in.")


async def account_context(db: Any, request: Request[Any, Any, Any]) -> dict[str, Any]:
    user: User = request.user
    clinic = await db.get(Clinic, user.clinic_id)
    auth = request.scope["auth"]
    fresh = accounts.proof_is_fresh(auth, utcnow(), request.app.state.settings.fresh_proof)
    return {"user": user, "sessions": await accounts.sessions_of(db, user.id),
            "passkeys": await passkeys.for_user(db, user.id), "proof_fresh": fresh,
            "current_session_id": auth.id, "values": {}, "errors": {}, "done": None,
            "timezone": zones.zone_of(user, clinic), "clinic_timezone": clinic.timezone,
            "zone_choices": zones.zone_choices()}


async def _page(request: Request[Any, Any, Any], state: State, status: int = 200, headers: dict[str, str] | None = None,
                **extra: Any) -> Template:
    async with transaction(state.sessions) as db:
        context = await account_context(db, request)
    context.update(extra)
    return Template("account/home.html", context=context, status_code=status, headers={**NO_STORE, **(headers or {})})


async def password_again(request: Request[Any, Any, Any], state: State, password: str,
                         purpose: str) -> tuple[int, str, int | None] | None:
    """The signed-in person's password, typed again: None when it is right. Otherwise
    (status, message, seconds to wait): counted against the address and the account like a
    failed sign-in, so a stolen session is no way round the sign-in limits, and audited."""
    user: User = request.user
    limits = throttle.signin_limits(request, state.settings, user.email)
    now, address = utcnow(), client_address(request)
    wait = await throttle.take(state.sessions, limits, now)
    async with transaction(state.sessions) as db:
        if wait is not None:
            await audit.record(db, action="account.password_check_throttled", now=now, actor=user, address=address,
                               detail={"for": purpose})
            return 429, throttle.too_many_words(wait), wait
        if password and accounts.verify_password(user.password_hash, password):
            await ratelimit.give_back(db, limits, now)
            return None
        await audit.record(db, action="account.password_check_failed", now=now, actor=user, address=address,
                           detail={"for": purpose})
    return 422, "That is not your current password.", None


@get("/account", guards=[signed_in_only])
async def account_page(request: Request[Any, Any, Any], state: State) -> Template:
    return await _page(request, state, done=request.query_params.get("done"))


@post("/account/password", guards=[signed_in_only])
async def change_password(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    current, new, again = (str(form.get(k, "")) for k in ("current_password", "password", "password_again"))
    remove_keys = form.get("remove_passkeys") == "yes"
    user: User = request.user
    errors: dict[str, str] = {}
    if new != again:
        errors["password_again"] = "The two new passwords are not the same."
    if not errors:
        refused = await password_again(request, state, current, "password_change")
        if refused is not None:
            status, message, wait = refused
            return await _page(request, state, status=status, errors={"current_password": message},
                               headers={"retry-after": str(wait)} if wait else None)
        try:
            async with transaction(state.sessions) as db:
                now = utcnow()
                await accounts.change_password(db, user, current, new, now)
                await audit.record(db, action="account.password_changed", now=now, actor=user,
                                   address=client_address(request))
                if remove_keys:
                    await _remove_passkeys(db, user, now, client_address(request), by="password_change")
                # Every session of this user ends, this one included; a fresh one replaces it.
                await accounts.end_all_sessions(db, user.id)
                keep = bool(request.scope["auth"].keep_signed_in)
                return await signed_in_response(request, db, state.settings, user, keep, "/account?done=password")
        except accounts.AccountError as exc:
            errors[exc.field] = str(exc)
    return await _page(request, state, status=422, errors=errors)


async def _remove_passkeys(db: Any, user: User, now: Any, address: str, by: str) -> int:
    removed = await accounts.remove_passkeys(db, user.id)
    if removed:
        await audit.record(db, action="passkey.removed", now=now, actor=user, address=address,
                           detail={"count": removed, "by": by})
    return removed


@post("/account/confirm", guards=[signed_in_only])
async def confirm_password(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """The password typed again, so that a passkey may be added in the next few minutes."""
    form = await request.form()
    refused = await password_again(request, state, str(form.get("confirm_password", "")), "add_passkey")
    if refused is not None:
        status, message, wait = refused
        return await _page(request, state, status=status, errors={"confirm_password": message},
                           headers={"retry-after": str(wait)} if wait else None)
    async with transaction(state.sessions) as db:
        now = utcnow()
        await accounts.mark_proved(db, request.scope["auth"], now)
        await audit.record(db, action="account.confirmed", now=now, actor=request.user,
                           address=client_address(request), detail={"method": "password"})
    return Redirect(path="/account?done=confirmed#passkeys-h", status_code=303)


@post("/account/sessions/end-others", guards=[signed_in_only])
async def end_other_sessions(request: Request[Any, Any, Any], state: State) -> Redirect:
    """Signed out everywhere else, and every passkey removed: a passkey added from a stolen
    session would otherwise sign its holder back in."""
    user: User = request.user
    now, address = utcnow(), client_address(request)
    async with transaction(state.sessions) as db:
        ended = await accounts.end_all_sessions(db, user.id, keep_session_id=request.scope["auth"].id)
        removed = await _remove_passkeys(db, user, now, address, by="sign_out_everywhere")
        await audit.record(db, action="account.sessions_ended", now=now, actor=user,
                           detail={"ended": ended, "by": "self", "passkeys_removed": removed}, address=address)
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


ACCOUNT_ROUTES = [account_page, change_password, confirm_password, end_other_sessions, set_time_zone]
