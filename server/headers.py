"""Security headers on every response, and no caching of anything that is not a static file.

The Content-Security-Policy allows scripts, styles, images, fetches, workers and
the manifest from this site only: no inline script or style, no ``eval``, no
frames, no plugins. Every response that does not say otherwise is sent
``Cache-Control: no-store``, so no page or API answer with health data is kept
by the browser or a proxy; static files keep their own caching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # enrolment links carry a code in their query string
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
    # The GPS walk needs the phone's location, from this site only.
    "permissions-policy": "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=63072000; includeSubDomains"


def security_headers(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: Litestar runs it for every response, unmatched paths
    and errors included. HSTS only when the app is served over HTTPS (secure cookies)."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in HEADERS.items():
            headers.setdefault(name, value)
        if hsts:
            headers.setdefault("strict-transport-security", HSTS)
        if not scope["path"].startswith("/static/"):
            headers.setdefault("cache-control", "no-store")

    return add_headers
