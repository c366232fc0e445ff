"""Documenting an incident in the browser: a victim, an incident, an act, two sources whose
counts disagree, and an audited reveal of the victim's sealed name."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import Served, sign_in
from conftest import PASSPHRASE

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is missing: browser tests skipped"
).expect

SEALED_NAME = "Magomed Browsersealed"
CODE = re.compile(r"/records/([A-Z]+-[0-9A-Z]+)$")


def fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f'form.record-form [name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def create(page: Any, served: Served, kind: str, values: dict[str, str], query: str = "") -> str:
    """Fill in the form of a kind of record, save it and return the new record's code."""
    page.goto(f"{served.url}/records/new/{kind}{query}")
    fill(page, values)
    page.locator("form.record-form button[type=submit]").click()
    expect(page).to_have_url(CODE)
    found = CODE.search(page.url)
    assert found is not None
    return found.group(1)


def test_an_incident_with_an_act_a_victim_and_two_disagreeing_sources(
    served: Served, page: Any, shot: Callable[..., Path]
) -> None:
    served.create_admin()
    sign_in(page, served, "admin", PASSPHRASE)
    expect(page).to_have_url(f"{served.url}/")

    person = create(page, served, "person", {"description": "man, about 30", "names": SEALED_NAME})
    expect(page.locator("main")).not_to_contain_text(SEALED_NAME)
    shot(page, "victim-recorded-sealed")

    incident = create(
        page, served, "incident", {"title": "Detentions in Argun", "period": "2017-02"}
    )
    page.get_by_role("link", name="Add an act").click()
    fill(page, {"type": "arbitrary-detention", "victim_person": person, "period": "2017-02"})
    shot(page, "act-form")
    page.locator("form.record-form button[type=submit]").click()
    expect(page).to_have_url(CODE)

    claims = [
        ("news-article", "First report", "More than 100 men were detained.", "more-than", "100"),
        ("ngo-report", "Second report", "At least 27 men were held.", "at-least", "27"),
    ]
    for kind, title, text, qualifier, value in claims:
        source = create(page, served, "source", {"kind": kind, "title": title, "content": text})
        create(
            page,
            served,
            "claim",
            {
                "excerpt": text,
                "quantity": "detained",
                "qualifier": qualifier,
                "value": value,
                "as_of": "2017-04",
            },
            query=f"?source={source}&supports={incident}",
        )

    page.goto(f"{served.url}/records/{incident}")
    main = page.locator("main")
    expect(main).to_contain_text("Detentions in Argun")
    expect(main).to_contain_text("man, about 30")
    expect(main).to_contain_text("more than 100")
    expect(main).to_contain_text("at least 27")
    expect(main).to_contain_text("First report")
    expect(main).to_contain_text("Second report")
    expect(main).not_to_contain_text(SEALED_NAME)
    shot(page, "incident-with-two-disagreeing-counts")

    page.goto(f"{served.url}/records/{person}")
    expect(page.locator("main")).not_to_contain_text(SEALED_NAME)
    page.get_by_role("button", name="Reveal the sealed section").click()
    expect(page.locator("main")).to_contain_text(SEALED_NAME)
    shot(page, "sealed-name-revealed", hide=(page.get_by_text(SEALED_NAME),))

    page.get_by_role("link", name="Audit").click()
    reveal = page.locator("tbody tr", has=page.locator("td.action", has_text="reveal"))
    expect(reveal).to_have_count(1)
    expect(reveal).to_contain_text(person)
    expect(reveal).to_contain_text("admin")
    expect(page.locator("main")).not_to_contain_text(SEALED_NAME)
    shot(page, "reveal-in-the-audit-log")
