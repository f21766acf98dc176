"""Who is signed in: the session middleware, the guards and the session cookie.

The middleware reads the session cookie, loads the server-side session and
its user from the database and puts the user in ``scope["user"]`` (or None).
Guards are plain functions. A page the user may not see answers 404, never
403, so its existence is not revealed; an anonymous visitor is sent to sign in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Scopes, Send

from diary import accounts
from diary.db import read_transaction, transaction
from diary.models import Patient, Role, User
from server.settings import Settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the connection's, or the one a proxy named in DIARY_TRUSTED_PROXIES
    forwarded (``diary serve`` has uvicorn believe X-Forwarded-For from those proxies only)."""
    return request.client.host if request.client else "unknown"


def site_url(request: Request[Any, Any, Any]) -> str:
    """The site's own address, for links that leave the app (letters, invitations, QR codes):
    DIARY_PUBLIC_URL, never the request's Host header; only in development, the request's."""
    settings: Settings = request.app.state.settings
    return settings.public_url or str(request.base_url).rstrip("/")


def session_cookie_name(settings: Settings) -> str:
    return f"{settings.cookie_prefix}diary_session"


def idle_limit(settings: Settings, user: User, keep_signed_in: bool) -> timedelta:
    if user.is_staff:
        return settings.staff_idle
    return settings.patient_keep_signed_in if keep_signed_in else settings.patient_idle


def session_policy(settings: Settings, user: User, keep_signed_in: bool) -> accounts.SessionPolicy:
    if user.is_staff:
        return accounts.SessionPolicy(idle=settings.staff_idle, absolute=settings.staff_absolute)
    if keep_signed_in:
        return accounts.SessionPolicy(idle=settings.patient_keep_signed_in, absolute=settings.patient_keep_signed_in)
    return accounts.SessionPolicy(idle=settings.patient_idle, absolute=settings.patient_absolute)


def session_cookie(settings: Settings, token: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=session_cookie_name(settings), value=token, path="/", httponly=True,
        secure=settings.secure_cookies, samesite="lax", max_age=max_age,
    )


def cleared_session_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=session_cookie_name(settings), value="", path="/", httponly=True,
        secure=settings.secure_cookies, samesite="lax", max_age=0,
    )


class SessionMiddleware(ASGIMiddleware):
    """Attach the signed-in user (or None) to every HTTP request."""

    scopes: Scopes = (ScopeType.HTTP,)
    # Static files need no user; skipping them saves a database read per file.
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        scope["auth"] = None
        state = scope["litestar_app"].state
        settings: Settings = state.settings
        token = Request(scope).cookies.get(session_cookie_name(settings))
        if token:
            found = await self.live_session(state, settings, token, utcnow())
            if found is not None:
                scope["auth"], scope["user"] = found
        await next_app(scope, receive, send)


    @staticmethod
    async def live_session(state: Any, settings: Settings, token: str, now: datetime) -> tuple[Any, User] | None:
        """Most requests only read the session, beside any writer; the last-seen
        time is written only now and then, and an expired session is deleted."""
        async with read_transaction(state.sessions) as db:
            found = await accounts.find_session(db, token)
        if found is None:
            return None
        auth, user = found
        if not accounts.session_is_live(auth, user, now, idle_limit(settings, user, auth.keep_signed_in)):
            async with transaction(state.sessions) as db:
                await accounts.delete_session(db, auth)
            return None
        if now - auth.last_seen_at >= settings.session_touch_after:
            async with transaction(state.sessions) as db:
                await accounts.touch_session(db, auth, now)
        return auth, user


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    return connection.scope.get("user")


def patient_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Please sign in.")
    if user.role != Role.patient:
        raise NotFoundException()


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Please sign in.")
    if not user.is_staff:
        raise NotFoundException()


async def patient_of(db: Any, user: User) -> Patient:
    """The patient record of a signed-in patient; a patient without one sees nothing."""
    patient = await accounts.patient_for_user(db, user)
    if patient is None:
        raise NotFoundException()
    return patient


def wants_html(request: Request[Any, Any, Any]) -> bool:
    return not request.url.path.startswith("/api/")


def redirect_to_login(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """Anonymous visitors to a page go to sign in; API clients get 401 JSON."""
    if wants_html(request):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return Response(content=None, status_code=303, headers={"location": f"/login?next={quote(target)}"})
    return Response(
        content={"status_code": 401, "detail": "Sign in first."}, status_code=401,
        headers={"www-authenticate": 'Cookie realm="walking-diary"'},
    )
