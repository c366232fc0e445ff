"""The interface speaks the reader's language: a cookie chosen in a form, else the browser's."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from vigil.bootstrap import Settings, Vigil
from vigil.web.app import create_app
from vigil.web.i18n import best_language
from web.test_web import csrf_of


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("ru", "en-GB", "ru"),
        (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        (None, "de-DE, en;q=0.5, ru;q=0.7", "ru"),
        ("xx", None, "en"),
        (None, "fr;q=abc", "en"),
    ],
)
def test_the_language_is_the_cookie_then_the_browser_then_english(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert best_language(cookie, header) == expected


def test_a_browser_asking_for_russian_gets_the_sign_in_page_in_russian(
    client: TestClient,
) -> None:
    page = client.get("/sign-in", headers={"accept-language": "ru"})
    assert "Вход" in page.text and 'lang="ru"' in page.text


def test_the_language_form_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/language",
        data={"csrf": token, "language": "ru", "next": "/sign-in"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert "Вход" in client.get("/sign-in").text


def test_the_language_form_never_sends_the_reader_to_another_site(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/language",
        data={"csrf": token, "language": "ru", "next": "//elsewhere.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
