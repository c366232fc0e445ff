"""Turning on one-time codes in the browser, then signing in with one."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest

from browser.conftest import Served, sign_in
from conftest import PASSPHRASE

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: browser tests skipped"
).expect


def test_enrol_one_time_codes_then_sign_in_with_a_code(
    served: Served, page: Any, shot: Callable[..., Path]
) -> None:
    served.create_admin()
    sign_in(page, served, "admin", PASSPHRASE)
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Turn on one-time codes").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("dl.totp code").first.inner_text().strip()
    shot(page, "secret-and-qr-code", hide=(page.locator(".qr-code"), page.locator("dl.totp")))
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("main")).to_contain_text("on")
    shot(page, "codes-on")
    page.locator("form.sign-out button").click()

    sign_in(page, served, "admin", PASSPHRASE)
    expect(page).to_have_url(f"{served.url}/sign-in")
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    shot(page, "refused-without-a-code")
    sign_in(page, served, "admin", PASSPHRASE, code=pyotp.TOTP(secret).now())
    expect(page).to_have_url(f"{served.url}/")
    expect(page.locator("header")).to_contain_text("admin")
    shot(page, "signed-in-with-a-code")
