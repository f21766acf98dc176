"""A burst of attempts sent at the same moment is limited exactly like attempts one after another.

Found by a penetration test: 25 concurrent wrong enrolment codes from one address all got 422,
none 429 (limit 10 an hour): the check, the redemption and the failure count ran in separate
transactions, so every attempt passed the check before any was counted. Now each attempt is
counted in one statement before it is tried. Every limited action is sent in a burst here,
on both databases, through one app, as many phones would reach one server process.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from diary.ratelimit import Limit
from server.app import create_app
from tests.conftest import PASSWORD, csrf_from
from tests.server.test_passkeys import SoftAuthenticator

BURST = 25


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.with_(code_address_limit=Limit(10, timedelta(hours=1)),
                          signin_account_limit=Limit(5, timedelta(minutes=15)),
                          signin_address_limit=Limit(6, timedelta(minutes=15)))


async def client_for(app: Any, page: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local")
    token = csrf_from((await client.get(page)).text)
    return client, token


def burst(settings, attempt: Callable[[httpx.AsyncClient, str, int], Awaitable[httpx.Response]],  # type: ignore[no-untyped-def]
          page: str = "/login", prepare: Callable[[httpx.AsyncClient, str], Awaitable[None]] | None = None,
          count: int = BURST) -> Counter[int]:
    """``count`` attempts at once from one address (one app, one event loop); the statuses."""
    async def run() -> Counter[int]:
        app = create_app(settings)
        client, token = await client_for(app, "/login" if prepare else page)
        try:
            if prepare is not None:
                await prepare(client, token)
                token = csrf_from((await client.get(page)).text)
            answers = await asyncio.gather(*(attempt(client, token, n) for n in range(count)))
            return Counter(a.status_code for a in answers)
        finally:
            await client.aclose()
            await app.state.engine.dispose()
    return asyncio.run(run())


def test_a_burst_of_wrong_enrolment_codes_is_limited(settings, world):  # type: ignore[no-untyped-def]
    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        return await client.post("/enrol", data={"code": f"ZZZZZ-{n:05d}", "email": f"p{n}@test.example",
                                                 "password": PASSWORD, "password_again": PASSWORD,
                                                 "_csrf_token": token})
    assert burst(settings, attempt, page="/enrol") == Counter({422: 10, 429: BURST - 10})


def test_a_burst_of_wrong_invitation_codes_is_limited(settings, world):  # type: ignore[no-untyped-def]
    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        return await client.post("/join", data={"code": f"ZZZZZ-{n:05d}", "password": PASSWORD,
                                                "password_again": PASSWORD, "_csrf_token": token})
    assert burst(settings, attempt, page="/join") == Counter({422: 10, 429: BURST - 10})


def test_a_burst_of_wrong_passwords_for_one_account_is_limited(settings, world):  # type: ignore[no-untyped-def]
    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        return await client.post("/login", data={"email": world.emails["alice"], "password": f"guess {n} x",
                                                 "_csrf_token": token})
    assert burst(settings, attempt, count=15) == Counter({401: 5, 429: 10})


def test_a_burst_of_bad_passkeys_is_limited_per_address(settings, world):  # type: ignore[no-untyped-def]
    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        headers = {"x-csrftoken": token}
        begin = (await client.post("/login/passkey/begin", headers=headers)).json()
        stranger = SoftAuthenticator()
        return await client.post("/login/passkey/finish", headers=headers, json={
            "token": begin["token"], "credential": stranger.get(begin["publicKey"])})
    assert burst(settings, attempt, count=15) == Counter({422: 6, 429: 9})


def test_a_burst_of_wrong_passwords_typed_again_is_limited(settings, world):  # type: ignore[no-untyped-def]
    """Someone holding a stolen session guesses the password to add a passkey: the account's limit."""
    async def sign_in(client: httpx.AsyncClient, token: str) -> None:
        done = await client.post("/login", data={"email": world.emails["alice"], "password": PASSWORD,
                                                 "_csrf_token": token})
        assert done.status_code == 303

    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        return await client.post("/account/confirm", data={"confirm_password": f"guess {n} y", "_csrf_token": token})
    assert burst(settings, attempt, page="/account", prepare=sign_in, count=15) == Counter({422: 5, 429: 10})


def test_successes_in_a_burst_use_up_nothing(settings, world, make_browser):  # type: ignore[no-untyped-def]
    """A clinic's staff signing in together from one address each morning are never throttled."""
    async def attempt(client: httpx.AsyncClient, token: str, n: int) -> httpx.Response:
        email = world.emails["nurse" if n % 2 else "admin"]
        return await client.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": token})
    assert burst(settings, attempt, count=5) == Counter({303: 5})
    assert burst(settings, attempt, count=5) == Counter({303: 5})
    assert make_browser().sign_in(world.emails["alice"], PASSWORD).url.path == "/diary"
