"""A patient on a 390 x 844 touch phone: sign in and log a walk by tapping."""

from __future__ import annotations

from tests.browser.conftest import entries, shot, wait_for_path


def tap_choice(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'label.choice:has(input[name="{name}"][value="{value}"])').tap()


def test_a_patient_signs_in_and_logs_a_walk_by_tapping(phone, patient):  # type: ignore[no-untyped-def]
    page = phone.new_page()
    page.goto("/diary")
    assert page.url.endswith("/login?next=/diary")
    page.locator("#email").tap()
    page.keyboard.type(patient.email)
    page.locator("#password").tap()
    page.keyboard.type(patient.password)
    page.get_by_role("button", name="Sign in", exact=True).tap()
    wait_for_path(page, "/diary")
    assert page.get_by_role("heading", name="My walking diary").is_visible()

    page.get_by_role("link", name="Log a walk").tap()
    wait_for_path(page, "/diary/walks/new")
    tap_choice(page, "distance_m", "300")
    tap_choice(page, "had_pain", "yes")
    tap_choice(page, "pain_onset_m", "200")
    tap_choice(page, "stopped_by_pain", "yes")
    tap_choice(page, "relief", "stood_still")
    shot(page, "phone-walk-form-filled")
    page.get_by_role("button", name="Save walk").tap()
    wait_for_path(page, "/diary", "done=saved")
    assert page.get_by_text("Your walk is saved").is_visible()
    assert "300 m" in page.locator("ul.entries li.entry").first.inner_text()
    shot(page, "phone-diary-after-walk")

    [walk] = entries(phone)
    assert (walk["distance_m"], walk["pain_onset_m"], walk["stopped_by_pain"], walk["relief"]) == (
        300, 200, True, "stood_still")
    assert walk["source"] == "manual"

    # Nothing is waiting on the phone, so signing out asks nothing.
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Sign out").tap()
    wait_for_path(page, "/login", "signed_out=1")
    assert dialogs == []
