"""The first run, as a person does it: set up the administrator, sign in, read Russian, leave."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import Served, sign_in

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: browser tests skipped"
).expect

NEW_PASSPHRASE = "a long and fresh passphrase"


def test_first_administrator_signs_in_reads_russian_and_signs_out(
    served: Served, page: Any, shot: Callable[..., Path]
) -> None:
    page.goto(served.setup_link)
    expect(page.get_by_role("heading", name="Set up Vigil")).to_be_visible()
    expect(page.get_by_label("Load the demonstration data")).not_to_be_checked()
    page.get_by_label("Administrator's user name").fill("chief")
    page.get_by_label("Passphrase (at least 8 characters)").fill(NEW_PASSPHRASE)
    page.get_by_label("Passphrase again").fill(NEW_PASSPHRASE)
    shot(page, "setup-form")
    page.get_by_role("button", name="Create the administrator").click()

    expect(page).to_have_url(f"{served.url}/sign-in")
    shot(page, "sign-in")
    sign_in(page, served, "chief", NEW_PASSPHRASE)
    expect(page).to_have_url(f"{served.url}/")
    expect(page.locator("header")).to_contain_text("chief")
    shot(page, "overview")

    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    shot(page, "overview-in-russian")

    page.locator("form.sign-out button").click()
    expect(page).to_have_url(f"{served.url}/sign-in")
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    shot(page, "signed-out-in-russian")

    assert page.goto(served.setup_link).status == 404  # the link worked once
