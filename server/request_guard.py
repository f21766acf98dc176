"""What every request must be before any handler sees it.

``RequestGuard`` is the outermost middleware:

- **A malformed address** answers 400: a path that holds a control character
  once percent-decoded (a NUL, a tab, a newline), a query that holds one other
  than the tab and line breaks a paste brings, or bytes that are not UTF-8. No
  page or file has such a name, and a NUL would reach a file name
  (``/static/app.css%00.js``) or PostgreSQL (which refuses it).
- **A name nothing has** answers 404: a path segment of digits beyond a 64-bit
  integer, which the database cannot even be asked about, or one longer than a
  file name may be.
- **A slow body** answers 408: the whole body is read before the handler runs,
  within ``Settings.client_timeout`` of the request's start. A client that
  trickles its body holds nothing but its own connection, never a database
  transaction or the SQLite writer's turn, and is dropped at the deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ASGIApp, Message, Receive, Scope, Scopes, Send

from diary.text import has_control

BIGGEST_ID = 2**63 - 1
MAX_SEGMENT = 255  # NAME_MAX: longer, and opening it as a file fails with ENAMETOOLONG
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class SlowClient(HTTPException):
    status_code = HTTP_408_REQUEST_TIMEOUT
    detail = "The request took too long to arrive."


def bad_address(path: bytes, query: bytes) -> str | None:
    """Why this address (the raw path and query string, as sent) is refused, or None. A query
    value may hold the tab and line breaks a paste from a spreadsheet brings; nothing else."""
    for part, allowed in ((path, ""), (query.replace(b"+", b" "), "\t\r\n")):
        raw = unquote_to_bytes(part)
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "the address is not UTF-8"
        if has_control(decoded.translate({ord(c): None for c in allowed})):
            return "the address holds a control character"
    return None


def impossible_path(path: str) -> bool:
    """A path segment no file or record can have: longer than a file name may be (255 bytes),
    or digits (perhaps signed) that no 64-bit id can be."""
    for segment in path.split("/"):
        if len(segment.encode("utf-8", "surrogateescape")) > MAX_SEGMENT:
            return True
        digits = segment[1:] if segment[:1] in "-+" and len(segment) > 1 else segment
        if digits.isascii() and digits.isdigit() and (len(digits) > 19 or int(digits) > BIGGEST_ID):
            return True
    return False


class RequestGuard(ASGIMiddleware):
    scopes: Scopes = (ScopeType.HTTP,)

    def __init__(self, timeout_s: float, max_body_bytes: int,
                 on_answer: Callable[[str, int], None] | None = None) -> None:
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.on_answer = on_answer  # told (method, status) of every response that starts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.monotonic()
        # raw_path is the path as sent (some test clients leave the query on it).
        raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")).split(b"?", 1)[0]
        problem = bad_address(raw_path, scope.get("query_string", b""))
        if problem:
            raise ClientException(detail=f"Bad request: {problem}.")
        if impossible_path(scope["path"]):
            raise NotFoundException()
        if scope["method"] not in BODYLESS or _announces_body(scope):
            receive = await self._whole_body(receive, started)
        if self.on_answer is not None:
            send = self._watched(scope["method"], send)
        await next_app(scope, receive, send)

    def _watched(self, method: str, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and self.on_answer is not None:
                self.on_answer(method, message["status"])
            await send(message)
        return watched

    async def _whole_body(self, receive: Receive, started: float) -> Receive:
        """Read the body now, by the deadline, and hand it on as one message."""
        chunks: list[bytes] = []
        size = 0
        while True:
            left = self.timeout_s - (time.monotonic() - started)
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.001))
            except TimeoutError:
                raise SlowClient(headers={"connection": "close"}) from None
            if message["type"] == "http.disconnect":
                return _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise ClientException(status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                                      detail="Request Entity Too Large", headers={"connection": "close"})
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)


def _announces_body(scope: Scope) -> bool:
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in scope.get("headers", []))


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives ``messages`` first, then waits on the client as before (for a disconnect)."""
    pending = list(messages)

    async def replayed() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
