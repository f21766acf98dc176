"""Signing in and out, and a patient's first visit with an enrolment code."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from diary import accounts, audit, ratelimit
from diary.db import transaction
from diary.models import User
from diary.text import has_control
from server import throttle
from server.auth import (
    cleared_session_cookie, client_address, session_cookie, session_cookie_name, session_policy, utcnow,
)
from server.settings import Settings

SIGN_IN_FAILED = "That email and password do not match an account. Please check them and try again."


def home_for(user: User) -> str:
    return "/clinic" if user.is_staff else "/diary"


MAX_NEXT = 2000
_HERE = "https://diary.invalid"


def _same_site_path(text: str) -> bool:
    """A path on this site, as a browser reads it too: the browser drops tabs and line
    breaks anywhere and takes a backslash for a slash, so ``/\t/evil`` and ``/\\evil``
    both mean ``//evil``, another host. Any control character or backslash is refused,
    then the path must begin with exactly one slash."""
    if has_control(text) or "\\" in text or not text.startswith("/") or text.startswith("//"):
        return False
    resolved = urlsplit(urljoin(_HERE + "/", text))
    return f"{resolved.scheme}://{resolved.netloc}" == _HERE


def safe_next(target: str | None) -> str | None:
    """Where to go after signing in: a path on this site, or None (never another host: an open
    redirect). Checked as sent and once and twice percent-decoded, so ``/%2F/evil`` and
    ``/%252F/evil`` are refused as well, whatever a proxy or a browser decodes on the way."""
    if not target or len(target) > MAX_NEXT:
        return None
    decoded = [target, unquote(target), unquote(unquote(target))]
    return target if all(_same_site_path(d) for d in decoded) else None


async def signed_in_response(
    request: Request[Any, Any, Any], db: Any, settings: Settings, user: User, keep: bool, target: str,
    method: str = "password",
) -> Response[Any]:
    # A new session id at every sign-in: an id planted before sign-in is useless.
    old = request.cookies.get(session_cookie_name(settings))
    if old:
        await accounts.end_session(db, old)
    policy = session_policy(settings, user, keep)
    token = await accounts.start_session(db, user, utcnow(), policy, keep_signed_in=keep,
                                         user_agent=request.headers.get("user-agent", ""), method=method)
    max_age = int(policy.absolute.total_seconds()) if keep else None
    return Redirect(path=target, status_code=303, cookies=[session_cookie(settings, token, max_age)])


def for_staff(target: str | None) -> bool:
    """A sign-in on the way to the clinic's pages: no "keep me signed in" (staff cannot use it)."""
    return bool(target) and (target == "/clinic" or target.startswith(("/clinic/", "/clinic?")))


@get("/login")
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
    user = request.scope.get("user")
    target = safe_next(next) or ""
    return Template("auth/login.html", context={"user": user, "next": target, "values": {},
                                                 "error": None, "for_staff": for_staff(target)})


@post("/login")
async def login(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    email, password = str(form.get("email", "")).strip()[:320], str(form.get("password", ""))
    keep = form.get("keep_signed_in") == "yes"
    target = safe_next(str(form.get("next", "")))
    settings: Settings = state.settings
    context = {"user": None, "next": target or "", "values": {"email": email}, "error": SIGN_IN_FAILED,
               "for_staff": for_staff(target)}
    limits = throttle.signin_limits(request, settings, email)
    now, address = utcnow(), client_address(request)
    wait = await throttle.take(state.sessions, limits, now)
    async with transaction(state.sessions) as db:
        if wait is not None:
            await audit.record(db, action="signin.throttled", now=now, address=address)
            return throttle.too_many("auth/login.html", context, wait)
        user = await accounts.authenticate(db, email, password) if email and password else None
        if user is not None:
            await ratelimit.give_back(db, limits, now)
            await audit.record(db, action="signin.succeeded", now=now, actor=user, address=address,
                               detail={"method": "password"})
            # A patient signing in on the clinic's sign-in page goes to their diary, not to a 404.
            if for_staff(target) and not user.is_staff:
                target = None
            return await signed_in_response(request, db, settings, user, keep and not user.is_staff,
                                             target or home_for(user))
        # The account is named in the log only when the email is one; a typo
        # (or a password typed into the email box) is not written down.
        known = await accounts.user_by_email(db, email) if email else None
        await audit.record(db, action="signin.failed", now=now, actor=known, address=address,
                           clinic_id=known.clinic_id if known else None, detail={"method": "password"})
    return Template("auth/login.html", status_code=401, context=context)


@post("/logout")
async def logout(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    settings: Settings = state.settings
    token = request.cookies.get(session_cookie_name(settings))
    if token:
        async with transaction(state.sessions) as db:
            await accounts.end_session(db, token)
            if request.scope.get("user") is not None:
                await audit.record(db, action="signout", now=utcnow(), actor=request.scope["user"],
                                   address=client_address(request))
    # Staff sign in again on the clinic's sign-in page.
    user = request.scope.get("user")
    again = "/login?signed_out=1" + ("&next=/clinic" if user is not None and user.is_staff else "")
    return Redirect(path=again, status_code=303, cookies=[cleared_session_cookie(settings)])


@get("/enrol")
async def enrol_page(code: FromQuery[str | None] = None) -> Template:
    return Template("auth/enrol.html", context={"user": None, "values": {"code": code or ""}, "errors": {}})


@post("/enrol")
async def enrol(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("code", "email")}
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors: dict[str, str] = {}
    if not values["code"]:
        errors["code"] = "Enter the code from your care team."
    if password != again:
        errors["password_again"] = "The two passwords are not the same."
    context = {"user": None, "values": values, "errors": errors}
    limits = throttle.code_limits(request, state.settings)
    if not errors:
        now, address = utcnow(), client_address(request)
        wait = await throttle.take(state.sessions, limits, now)
        if wait is not None:
            async with transaction(state.sessions) as db:
                await audit.record(db, action="enrolment.throttled", now=now, address=address)
            return throttle.too_many("auth/enrol.html", context, wait, field="code")
        try:
            async with transaction(state.sessions) as db:
                user = await accounts.redeem_enrolment_code(db, values["code"], values["email"], password, now,
                                                            address=address)
                await ratelimit.give_back(db, limits, now)
                return await signed_in_response(request, db, state.settings, user, False, "/diary?welcome=1",
                                                 method="enrolment")
        except accounts.AccountError as exc:
            errors[exc.field] = str(exc)
            # A wrong code (or, with a recovery code, the wrong email) stays counted against
            # the address; any other mistake (a common password) is given back. In a
            # transaction of its own: the failed redemption's was rolled back.
            async with transaction(state.sessions) as db:
                if exc.field in ("code", "email"):
                    await audit.record(db, action="enrolment.code_refused", now=now, address=address)
                else:
                    await ratelimit.give_back(db, limits, now)
    return Template("auth/enrol.html", status_code=422, context=context)


AUTH_ROUTES = [login_page, login, logout, enrol_page, enrol]
