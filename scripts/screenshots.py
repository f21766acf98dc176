"""Take the screenshots in docs/screenshots/ from the demo clinic, in chromium.

    .venv/bin/python scripts/screenshots.py        # needs the [test] extra and /usr/bin/chromium

It loads the demo into a scratch directory, runs ``diary serve`` there (with the
scheduler, so last weeks' exports are made), and photographs the phone pages at
390 x 844 and the clinic pages at 1440 x 900, in light and dark mode. Nothing is
written outside docs/screenshots/ and the scratch directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import diary, live_env, running_server, token_of  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("DIARY_TEST_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "en-GB", "timezone_id": "Europe/London"}
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "en-GB", "timezone_id": "Europe/London"}


def sign_in(context: BrowserContext, email: str, password: str, target: str) -> None:
    login = context.request.get(f"/login?next={target}")
    context.request.post("/login", form={"email": email, "password": password, "next": target,
                                         "_csrf_token": token_of(login.text())})


def save(page: Page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("wrote", OUT / f"{name}.png")


def phone_screens(context: BrowserContext, dark: bool) -> None:
    suffix = "-dark" if dark else ""
    page = context.new_page()
    page.goto("/login")
    page.locator("details.forgot summary").click()
    save(page, f"phone-sign-in{suffix}")
    sign_in(context, "patient2@demo.test", "demo-patient", "/diary")
    page.goto("/diary")
    save(page, f"phone-diary{suffix}")
    if dark:
        return
    # The walk saved here gets the time the screenshots are taken: the stable walker logs it,
    # who is not in the review queue photographed below.
    sign_in(context, "patient@demo.test", "demo-patient", "/diary")
    page.goto("/diary/walks/new")
    save(page, "phone-walk-form")
    page.get_by_role("button", name="Save walk").tap()
    page.locator("[data-error-summary]").wait_for()
    save(page, "phone-walk-form-errors")
    page.goto("/diary/walks/new")
    page.locator('label:has(input[name="distance_m"][value="300"])').tap()
    page.locator('label:has(input[name="pain_onset_m"][value="200"])').tap()
    page.locator('label:has(input[name="stopped_by_pain"][value="yes"])').tap()
    page.locator('label:has(input[name="relief"][value="stood_still"])').tap()
    page.get_by_role("button", name="Save walk").tap()
    page.wait_for_url("**/diary?done=saved")
    page.locator(".entry-actions a", has_text="Change").first.tap()
    page.locator("#walk-form").wait_for()
    save(page, "phone-walk-change")
    page.goto("/diary/reports")
    save(page, "phone-reports")
    page.goto("/account")
    page.locator("#time-zone").evaluate("h => h.scrollIntoView({block: 'start'})")
    save(page, "phone-account-time-zone")


def clinic_screens(context: BrowserContext, dark: bool) -> None:
    suffix = "-dark" if dark else ""
    page = context.new_page()
    page.goto("/clinic")
    save(page, f"desktop-queue{suffix}")
    if dark:
        return
    page.locator("#queue a", has_text="Arthur Price").click()
    page.locator("#chart-h").wait_for()
    save(page, "desktop-patient")
    page.locator("figure.chart").screenshot(path=str(OUT / "desktop-chart.png"))
    print("wrote", OUT / "desktop-chart.png")
    page.locator("#flags-h").evaluate("h => h.scrollIntoView({block: 'start'})")
    save(page, "desktop-patient-flags")
    page.locator("#measurements-h").evaluate("h => h.scrollIntoView({block: 'start'})")
    save(page, "desktop-patient-measurements")
    page.locator("li.flag .evidence a").first.click()
    time.sleep(0.3)
    save(page, "desktop-evidence-row")
    page.goto("/clinic/exports")
    save(page, "desktop-exports")


def admin_screens(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto("/clinic/audit")
    page.select_option('select[name="action"]', "patient.viewed")  # the list filters the rows in place
    page.wait_for_function("() => [...document.querySelectorAll('#audit-rows tbody tr td:nth-child(3)')]"
                           ".every(td => td.textContent.trim() === 'Viewed the record')")
    save(page, "desktop-audit")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        print(diary(live_env(data), "demo"))
        with running_server(data) as base, sync_playwright() as p:
            time.sleep(5)  # the scheduler's catch-up makes the weekly exports
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for dark in (False, True):
                scheme = "dark" if dark else "light"
                phone = browser.new_context(base_url=base, color_scheme=scheme, **PHONE)
                phone_screens(phone, dark)
                phone.close()
                desk = browser.new_context(base_url=base, color_scheme=scheme, **DESKTOP)
                sign_in(desk, "clinician@demo.test", "demo-clinician", "/clinic")
                clinic_screens(desk, dark)
                desk.close()
            admin = browser.new_context(base_url=base, **DESKTOP)
            sign_in(admin, "admin@demo.test", "demo-admin", "/clinic")
            admin_screens(admin)
            admin.close()
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
