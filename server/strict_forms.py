"""Form posts are read strictly: a body no browser would send is refused with a 4xx.

Browsers send ``application/x-www-form-urlencoded`` bodies as ASCII, every
other character percent-encoded as UTF-8. Litestar reads them leniently: raw
bytes as Latin-1, a broken ``%`` escape kept as it is, escaped bytes that are
not UTF-8 replaced with U+FFFD. A diary page would then save a note the
patient never wrote. The pages refuse such bodies with 400 instead, and a
body of another media type with 415. The pages get this request class from
their router (``server.routes``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response
from litestar._parsers import parse_url_encoded_form_data
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException
from litestar.plugins.htmx import HTMXRequest

_BROKEN_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def check_url_encoded(body: bytes) -> None:
    """Raise a 400 unless ``body`` is a form as a browser encodes it."""
    if not body.isascii():
        raise ClientException("The form was not sent percent-encoded.")
    if _BROKEN_ESCAPE.search(body):
        raise ClientException("The form has a broken percent-escape.")
    try:
        parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ClientException("The form is not UTF-8.") from None


class StrictFormRequest(HTMXRequest):
    """An htmx-aware request whose ``form()`` refuses what a browser could not have sent."""

    async def form(self) -> FormMultiDict:
        media_type, _ = self.content_type
        if media_type == RequestEncodingType.URL_ENCODED:
            check_url_encoded(await self.body())
        elif media_type != RequestEncodingType.MULTI_PART and await self.body():
            raise HTTPException(status_code=415, detail="Send this as a form.")
        try:
            return await super().form()
        except UnicodeDecodeError:  # a multipart field that is not UTF-8
            raise ClientException("The form is not UTF-8.") from None


def unreadable_form(_request: Request[Any, Any, Any], _exc: UnicodeDecodeError) -> Response[Any]:
    """The CSRF check reads the form before the page does, with the app's lenient request class."""
    return Response(content="Bad request: the form is not UTF-8.", status_code=400, media_type="text/plain")


def forget_form_bodies(_request: Request[Any, Any, Any]) -> None:
    """After every response: empty Litestar's memo of parsed form bodies.

    Litestar memoises the last 1,024 url-encoded bodies it parsed (an
    ``lru_cache``), which would keep patients' notes and sign-in passwords in
    the process's memory long after the request. Parsing a form again costs
    microseconds; keeping health data where it does not belong is not worth them.
    """
    parse_url_encoded_form_data.cache_clear()
