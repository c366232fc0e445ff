"""The incidents list in the browser: htmx replaces only the results, refusals included."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import Served, sign_in
from conftest import PASSPHRASE
from vigil.bootstrap import Vigil
from vigil.domain.records import Incident
from vigil.services.dates import parse_date
from vigil.services.recording import add_record

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: browser tests skipped"
).expect


def test_filters_replace_the_results_and_a_bad_period_is_named(
    served: Served, page: Any, shot: Callable[..., Path]
) -> None:
    served.create_admin()
    vigil = Vigil.open(served.settings)
    try:
        vigil.sign_in("admin", PASSPHRASE)
        add_record(vigil.workspace, Incident("", "Detentions in Argun", parse_date("2017-02")))
        add_record(vigil.workspace, Incident("", "Raid in Grozny", parse_date("2019-01")))
    finally:
        vigil.close()
    sign_in(page, served, "admin", PASSPHRASE)
    page.goto(f"{served.url}/incidents")
    page.evaluate("window.vigilUntouched = true")  # gone if the whole page reloads
    results = page.locator("#results")
    expect(results).to_contain_text("Raid in Grozny")

    page.get_by_label("Period (EDTF)").fill("2017")
    page.get_by_label("Period (EDTF)").press("Enter")
    expect(results).not_to_contain_text("Raid in Grozny")
    expect(results).to_contain_text("Detentions in Argun")
    expect(page).to_have_url(re.compile(r"/incidents\?.*period=2017"))  # kept in the history
    shot(page, "filtered-by-period")

    page.get_by_label("Period (EDTF)").fill("2017-13")
    page.get_by_label("Period (EDTF)").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Period (EDTF)")
    shot(page, "bad-period-named")
    assert page.evaluate("window.vigilUntouched") is True
