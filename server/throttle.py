"""Rate limits on guessing: sign-in passwords, enrolment codes and invitation codes.

Failures are counted in the database per address and per account
(``diary.ratelimit``), so the limit holds across every app process. Over the
limit, the answer is 429 with ``Retry-After``, before any password is checked.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.response import Template

from diary import ratelimit
from diary.db import transaction
from server.auth import client_address
from server.settings import Settings


def signin_limits(request: Request[Any, Any, Any], settings: Settings, email: str) -> list[tuple[str, ratelimit.Limit]]:
    limits = [(ratelimit.key("signin-address", client_address(request)), settings.signin_address_limit)]
    if email:
        limits.append((ratelimit.key("signin-account", email), settings.signin_account_limit))
    return limits


def code_limits(request: Request[Any, Any, Any], settings: Settings) -> list[tuple[str, ratelimit.Limit]]:
    return [(ratelimit.key("code-address", client_address(request)), settings.code_address_limit)]


def wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"


def too_many_words(retry_after: int) -> str:
    return f"Too many attempts. For your safety, please wait {wait_words(retry_after)} and try again."


def too_many(template: str, context: dict[str, Any], retry_after: int, field: str | None = None) -> Template:
    """The form again, with a plain message, as 429 with Retry-After."""
    message = too_many_words(retry_after)
    context = {**context, "error": message}
    if field:
        context["errors"] = {**context.get("errors", {}), field: message}
    return Template(template, status_code=429, context=context,
                    headers={"retry-after": str(retry_after), "cache-control": "no-store"})


async def take(sessions: Any, limits: list[tuple[str, ratelimit.Limit]], now: datetime) -> int | None:
    """Count an attempt before it is tried, committed at once (``diary.ratelimit.take``): seconds
    to wait when it went past a limit, else None. Give a success back with ``ratelimit.give_back``."""
    async with transaction(sessions) as db:
        return await ratelimit.take(db, limits, now)

