"""Passkeys: adding one on the account page, signing in with one, removing one.

The browser's script (web/static/passkey.js) posts JSON with the CSRF header.
Each ceremony has two steps: *begin* stores a challenge and answers the
options for the browser; *finish* checks the authenticator's answer. Anything
refused answers 400 (not JSON, or no token or credential) or 422 (the passkey
or the request was not accepted) with ``{"error": message}``, and is audited.
A passkey sign-in starts an ordinary server-side session.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from diary import accounts, audit, passkeys, ratelimit
from diary.db import transaction
from diary.models import User
from server import throttle
from server.auth import client_address, utcnow
from server.routes.account import signed_in_only
from server.routes.auth_pages import home_for, safe_next, signed_in_response
from server.settings import Settings

RP_NAME = "Walking Diary"
NO_STORE = {"cache-control": "no-store"}
NOT_JSON = "The request could not be read. Please reload the page and try again."


def relying_party(request: Request[Any, Any, Any], settings: Settings) -> passkeys.RelyingParty:
    """The configured origin; in development, the address this request came to. Off otherwise (404)."""
    if settings.webauthn_origin:
        return passkeys.RelyingParty(id=settings.webauthn_rp_id, name=RP_NAME, origin=settings.webauthn_origin)
    if settings.dev and request.url.hostname:
        url = request.url
        return passkeys.RelyingParty(id=url.hostname, name=RP_NAME, origin=f"{url.scheme}://{url.netloc}")
    raise NotFoundException()


def refused(message: str, status: int = 422, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content={"error": message}, status_code=status, headers={**NO_STORE, **(headers or {})})


async def ceremony_body(request: Request[Any, Any, Any]) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """The token, the credential and the whole body of a *finish* post; None when it is not that shape."""
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    token, credential = body.get("token"), body.get("credential")
    if not isinstance(token, str) or not 0 < len(token) <= 200 or not isinstance(credential, dict):
        return None
    return token, credential, body


# --- adding and removing (signed in) ---------------------------------------------------


NEEDS_PROOF = ("To add a passkey, first confirm it is you: type your password, or use a passkey you "
               "already have. Then add the new one within a few minutes.")


@post("/account/passkeys/register/begin", guards=[signed_in_only], status_code=200)
async def register_begin(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """Only with a fresh proof (signed in, or the password or a passkey, in the last few
    minutes): a stolen session cookie alone cannot add a passkey that outlives it."""
    rp = relying_party(request, state.settings)
    if not accounts.proof_is_fresh(request.scope["auth"], utcnow(), state.settings.fresh_proof):
        return Response(content={"error": NEEDS_PROOF, "needs_proof": True}, status_code=403, headers=NO_STORE)
    async with transaction(state.sessions) as db:
        token, options = await passkeys.registration_options(db, rp, request.user, utcnow())
    return Response(content={"token": token, "publicKey": options}, headers=NO_STORE)


@post("/account/passkeys/register/finish", guards=[signed_in_only])
async def register_finish(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    rp = relying_party(request, state.settings)
    parsed = await ceremony_body(request)
    if parsed is None:
        return refused(NOT_JSON, 400)
    token, credential, _ = parsed
    user: User = request.user
    now, address = utcnow(), client_address(request)
    name = accounts.describe_device(request.headers.get("user-agent", "")) or "Passkey"
    async with transaction(state.sessions) as db:
        try:
            passkey = await passkeys.finish_registration(db, rp, user, token, credential, now, name=name)
        except passkeys.PasskeyError as exc:
            # Returned, not raised: the used challenge and the audit event are kept.
            await audit.record(db, action="passkey.refused", now=now, actor=user, address=address,
                               detail={"reason": exc.reason})
            return refused(str(exc))
        await audit.record(db, action="passkey.added", now=now, actor=user, address=address,
                           detail={"passkey_id": passkey.id, "name": passkey.name})
    return Response(content={"redirect": "/account?done=passkey_added#passkeys-h"}, status_code=201, headers=NO_STORE)


@post("/account/passkeys/{passkey_id:int}/remove", guards=[signed_in_only])
async def remove_passkey(request: Request[Any, Any, Any], state: State, passkey_id: FromPath[int]) -> Redirect:
    user: User = request.user
    async with transaction(state.sessions) as db:
        removed = await passkeys.remove(db, user.id, passkey_id)
        if removed is None:
            raise NotFoundException()
        await audit.record(db, action="passkey.removed", now=utcnow(), actor=user, address=client_address(request),
                           detail={"passkey_id": removed.id, "name": removed.name})
    return Redirect(path="/account?done=passkey_removed#passkeys-h", status_code=303)


# --- signing in ---------------------------------------------------------------------


@post("/login/passkey/begin", status_code=200)
async def signin_begin(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    rp = relying_party(request, state.settings)
    async with transaction(state.sessions) as db:
        token, options = await passkeys.authentication_options(db, rp, utcnow())
    return Response(content={"token": token, "publicKey": options}, headers=NO_STORE)


@post("/login/passkey/finish", status_code=200)
async def signin_finish(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    settings: Settings = state.settings
    rp = relying_party(request, settings)
    now, address = utcnow(), client_address(request)
    # Failed passkeys count against the address with failed passwords: one budget for guessing.
    limits = throttle.signin_limits(request, settings, "")
    parsed = await ceremony_body(request)
    wait = await throttle.take(state.sessions, limits, now)
    async with transaction(state.sessions) as db:
        if wait is not None:
            await audit.record(db, action="signin.throttled", now=now, address=address, detail={"method": "passkey"})
            return refused(throttle.too_many_words(wait), 429, {"retry-after": str(wait)})
        if parsed is None:
            await audit.record(db, action="signin.failed", now=now, address=address,
                               detail={"method": "passkey", "reason": "malformed"})
            return refused(NOT_JSON, 400)
        token, credential, body = parsed
        try:
            passkey, user = await passkeys.finish_authentication(db, rp, token, credential, now)
        except passkeys.PasskeyError as exc:
            # Returned, not raised, so the challenge stays used and the failure is counted and audited.
            known = await db.get(User, exc.passkey.user_id) if exc.passkey else None
            await audit.record(db, action="signin.failed", now=now, actor=known, address=address,
                               detail={"method": "passkey", "reason": exc.reason,
                                       **({"passkey_id": exc.passkey.id} if exc.passkey else {})})
            return refused(str(exc))
        await ratelimit.give_back(db, limits, now)
        await audit.record(db, action="signin.succeeded", now=now, actor=user, address=address,
                           detail={"method": "passkey", "passkey_id": passkey.id})
        target = safe_next(body.get("next") if isinstance(body.get("next"), str) else None) or home_for(user)
        keep = body.get("keep_signed_in") is True and not user.is_staff
        signed_in = await signed_in_response(request, db, settings, user, keep, target, method="passkey")
    return Response(content={"redirect": target}, headers=NO_STORE, cookies=signed_in.cookies)


# --- confirming it is you with a passkey you have (before adding another) ------------------


@post("/account/confirm/passkey/begin", guards=[signed_in_only], status_code=200)
async def confirm_begin(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    rp = relying_party(request, state.settings)
    async with transaction(state.sessions) as db:
        if not await passkeys.for_user(db, request.user.id):
            raise NotFoundException()
        token, options = await passkeys.authentication_options(db, rp, utcnow(), user=request.user)
    return Response(content={"token": token, "publicKey": options}, headers=NO_STORE)


@post("/account/confirm/passkey/finish", guards=[signed_in_only], status_code=200)
async def confirm_finish(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """One of the person's own passkeys, verified: the session counts as freshly proved."""
    rp = relying_party(request, state.settings)
    user: User = request.user
    now, address = utcnow(), client_address(request)
    limits = throttle.signin_limits(request, state.settings, user.email)
    parsed = await ceremony_body(request)
    wait = await throttle.take(state.sessions, limits, now)
    async with transaction(state.sessions) as db:
        if wait is not None:
            await audit.record(db, action="account.password_check_throttled", now=now, actor=user, address=address,
                               detail={"for": "add_passkey", "method": "passkey"})
            return refused(throttle.too_many_words(wait), 429, {"retry-after": str(wait)})
        if parsed is None:
            return refused(NOT_JSON, 400)
        token, credential, _ = parsed
        try:
            passkey, _ = await passkeys.finish_authentication(db, rp, token, credential, now, user_id=user.id)
        except passkeys.PasskeyError as exc:
            await audit.record(db, action="account.password_check_failed", now=now, actor=user, address=address,
                               detail={"for": "add_passkey", "method": "passkey", "reason": exc.reason})
            return refused(str(exc))
        await ratelimit.give_back(db, limits, now)
        await accounts.mark_proved(db, request.scope["auth"], now)
        await audit.record(db, action="account.confirmed", now=now, actor=user, address=address,
                           detail={"method": "passkey", "passkey_id": passkey.id})
    return Response(content={"confirmed": True}, headers=NO_STORE)


PASSKEY_ROUTES = [register_begin, register_finish, remove_passkey, signin_begin, signin_finish, confirm_begin,
                  confirm_finish]
