"""Entry versions the HTTP way: ETags, and the If-Match / If-None-Match preconditions.

An entry's ETag is its version (``diary.store``: the count of its writes) as a
strong entity tag, ``"3"``. The phone sends ``If-Match`` with the tag it read
on every replace and delete, and ``If-None-Match: *`` on a create, so a write
made from a stale copy gets 412 instead of overwriting what is stored. A write
with neither header (an older phone, another API client) goes ahead as before.
"""

from __future__ import annotations

import re
from typing import Literal

from diary import store

_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e]*)"\s*')


class BadPrecondition(ValueError):
    """A precondition header that is not ``*`` or a list of entity tags."""

    def __init__(self, header: str):
        super().__init__(f"{header}: must be * or a list of quoted entity tags such as \"3\"")
        self.header = header


def etag(version: int) -> str:
    return f'"{version}"'


def version_of(tag: str | None) -> int | None:
    """The version in a strong ETag this server gave (None for anything else)."""
    match = _TAG.fullmatch(tag or "")
    if match is None or match.group(1) or not match.group(2).isdigit() or len(match.group(2)) > 18:
        return None
    return int(match.group(2))


def _tags(value: str | None, header: str, weak: bool) -> frozenset[int] | Literal["*"] | None:
    """The versions a precondition header names. ``weak``: W/ tags count too
    (If-None-Match compares weakly, If-Match strongly, RFC 9110 section 13.1)."""
    if value is None:
        return None
    if value.strip() == "*":
        return "*"
    found: set[int] = set()
    for part in value.split(","):
        match = _TAG.fullmatch(part)
        if match is None:
            raise BadPrecondition(header)
        if (weak or not match.group(1)) and match.group(2).isdigit() and len(match.group(2)) <= 18:
            found.add(int(match.group(2)))
    return frozenset(found)


def expect_from_headers(if_match: str | None, if_none_match: str | None, restore: bool = False) -> store.Expect:
    """The store's precondition from the request's headers; raises BadPrecondition."""
    return store.Expect(if_match=_tags(if_match, "If-Match", weak=False),
                        if_none_match=_tags(if_none_match, "If-None-Match", weak=True), restore=restore)


def expect_from_form(version: str, editing: bool, restore: bool = False) -> store.Expect:
    """The precondition of a diary form: the version it was opened at, or
    create-only for a new entry's form (its id is fresh)."""
    if version.strip().isdigit() and len(version.strip()) <= 18:
        return store.Expect(if_match=frozenset({int(version)}), restore=restore)
    if editing:
        return store.Expect(restore=restore)  # a form from before versions: replaces, as it did
    return store.Expect(if_none_match="*", restore=restore)
