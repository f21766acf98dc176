"""Guessing is slowed down: sign-in and codes answer 429 with Retry-After once the
failures for an address or an account pass the limit, counted in the database
so every app process shares the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary import ratelimit
from diary.models import AuditEvent
from diary.ratelimit import Limit
from tests.conftest import PASSWORD, run_db


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """Small limits, so a test needs only a few attempts."""
    return settings.with_(signin_account_limit=Limit(3, timedelta(minutes=15)),
                          signin_address_limit=Limit(5, timedelta(minutes=15)),
                          code_address_limit=Limit(3, timedelta(hours=1)))


def audit_actions(db_url: str) -> list[str]:
    async def read(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(AuditEvent.action).where(AuditEvent.action.like("signin.%"))
                                      .order_by(AuditEvent.id))).scalars())
    return run_db(db_url, read)


def test_an_account_is_locked_for_a_while_after_repeated_wrong_passwords(browser, world):  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert browser.sign_in(world.emails["alice"], "wrong password!").status_code == 401
    refused = browser.sign_in(world.emails["alice"], PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Too many attempts" in refused.text and "minute" in refused.text  # "a minute" near a window's end
    assert refused.headers["cache-control"] == "no-store"
    assert "diary_session" not in browser.client.cookies


def test_an_unknown_email_is_limited_exactly_like_a_real_one(browser, world):  # type: ignore[no-untyped-def]
    answers = [browser.sign_in("nobody@test.example", "wrong password!").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_the_limit_of_one_account_does_not_lock_out_another(browser, world):  # type: ignore[no-untyped-def]
    for _ in range(3):
        browser.sign_in(world.emails["alice"], "wrong password!")
    assert browser.sign_in(world.emails["bob"]).status_code in (200, 303)


def test_one_address_trying_many_accounts_is_limited(browser, world):  # type: ignore[no-untyped-def]
    for index in range(5):
        assert browser.sign_in(f"guess{index}@test.example", "wrong password!").status_code == 401
    assert browser.sign_in(world.emails["bob"]).status_code == 429


def test_successful_sign_ins_do_not_count(browser, world):  # type: ignore[no-untyped-def]
    for _ in range(6):
        assert browser.sign_in(world.emails["alice"]).url.path == "/diary"


def test_the_count_is_shared_by_every_app_process(make_browser, world):  # type: ignore[no-untyped-def]
    # Each browser talks to its own app instance on the same database.
    for _ in range(3):
        make_browser().sign_in(world.emails["alice"], "wrong password!")
    assert make_browser().sign_in(world.emails["alice"]).status_code == 429


def test_failures_and_throttling_are_audited(browser, world, db_url):  # type: ignore[no-untyped-def]
    browser.sign_in(world.emails["alice"])
    for _ in range(4):
        browser.sign_in(world.emails["alice"], "wrong password!")
    assert audit_actions(db_url) == ["signin.succeeded", *["signin.failed"] * 3, "signin.throttled"]


def test_wrong_enrolment_codes_are_limited_per_address(browser, world):  # type: ignore[no-untyped-def]
    browser.refresh_token("/enrol")
    form = {"email": "new@test.example", "password": PASSWORD, "password_again": PASSWORD}
    answers = [browser.post("/enrol", {**form, "code": f"AAAAA-BBBB{i}"}).status_code for i in range(4)]
    assert answers == [422, 422, 422, 429]
    refused = browser.post("/enrol", {**form, "code": "AAAAA-BBBBB"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Too many attempts" in refused.text


def test_a_form_mistake_that_is_not_a_code_guess_is_not_counted(browser, world):  # type: ignore[no-untyped-def]
    browser.refresh_token("/enrol")
    for _ in range(5):
        answer = browser.post("/enrol", {"code": "AAAAA-BBBBB", "email": "x@test.example", "password": PASSWORD,
                                         "password_again": "something else"})
        assert answer.status_code == 422 and "not the same" in answer.text


def test_wrong_invitation_codes_are_limited_per_address(browser, world):  # type: ignore[no-untyped-def]
    browser.refresh_token("/join")
    answers = [browser.post("/join", {"code": f"AAAAA-BBBB{i}", "password": PASSWORD,
                                      "password_again": PASSWORD}).status_code for i in range(4)]
    assert answers == [422, 422, 422, 429]


def test_a_window_ends_and_old_counters_are_pruned(db_url):  # type: ignore[no-untyped-def]
    limit = Limit(2, timedelta(minutes=15))
    keys = [(ratelimit.key("signin-account", "alice@test.example"), limit)]
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

    async def work(db):  # type: ignore[no-untyped-def]
        await ratelimit.record_failure(db, keys, start + timedelta(minutes=1))
        await ratelimit.record_failure(db, keys, start + timedelta(minutes=2))
        during = await ratelimit.blocked(db, keys, start + timedelta(minutes=3))
        after = await ratelimit.blocked(db, keys, start + timedelta(minutes=15))
        pruned = await ratelimit.prune(db, start + timedelta(minutes=16))
        return during, after, pruned

    during, after, pruned = run_db(db_url, work)
    assert during == 12 * 60  # seconds left in the window
    assert after is None
    assert pruned == 1


def test_counter_keys_do_not_store_the_email_in_plain_text() -> None:
    made = ratelimit.key("signin-account", " Alice@Test.example ")
    assert "alice" not in made.lower()
    assert made == ratelimit.key("signin-account", "alice@test.example")


def test_housekeeping_deletes_only_what_has_expired(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    from diary import housekeeping
    from diary.models import AuthSession

    signed_in = make_browser()
    signed_in.sign_in(world.emails["alice"])
    for _ in range(2):
        make_browser().sign_in(world.emails["bob"], "wrong password!")

    async def later(db):  # type: ignore[no-untyped-def]
        return await housekeeping.prune_expired(db, datetime.now(UTC) + timedelta(minutes=16))

    async def live_sessions(db):  # type: ignore[no-untyped-def]
        return len((await db.execute(select(AuthSession))).scalars().all())

    pruned = run_db(db_url, later)
    assert pruned["rate_counters"] == 2  # the account's and the address's counters
    assert pruned["sessions"] == 0 and run_db(db_url, live_sessions) == 1  # alice's has not expired
