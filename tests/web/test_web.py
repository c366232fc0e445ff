"""The web application in process: sign-in, sessions, CSRF, headers and what pages show."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from integration.test_compartments import new_compartment, person
from vigil.bootstrap import Settings, Vigil
from vigil.domain.records import Act, Incident, Place
from vigil.services.dates import parse_date
from vigil.services.recording import add_record
from vigil.web.app import SIGN_IN_FAILED, create_app

SEALED_NAME = "Zelimkhan Webpagecheck"


@pytest.fixture
def client(vigil: Vigil, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def sign_in(client: TestClient, user: str = "admin", passphrase: str = PASSPHRASE) -> str:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"csrf": token, "user": user, "passphrase": passphrase},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def test_sign_in_opens_the_overview_and_sign_out_ends_it(client: TestClient) -> None:
    assert "Sign in" in client.get("/").text
    token = sign_in(client)
    page = client.get("/")
    assert page.status_code == 200 and "Overview" in page.text and "admin" in page.text
    out = client.post("/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_the_session_cookie_is_http_only_and_strict(client: TestClient) -> None:
    cookie = client.get("/sign-in").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


@pytest.mark.parametrize(("user", "passphrase"), [("nobody", PASSPHRASE), ("admin", "wrong one")])
def test_a_failed_sign_in_says_the_same_whoever_it_was(
    client: TestClient, user: str, passphrase: str
) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"csrf": token, "user": user, "passphrase": passphrase})
    assert response.status_code == 401
    assert SIGN_IN_FAILED in response.text
    assert user not in response.text.replace('name="user"', "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_page_without_a_session_goes_to_sign_in(client: TestClient) -> None:
    for path in ("/", "/incidents"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/sign-in"


def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    client.get("/sign-in")
    no_token = {"user": "admin", "passphrase": PASSPHRASE}
    assert client.post("/sign-in", data=no_token).status_code == 403
    assert client.post("/sign-in", data={**no_token, "csrf": "forged"}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303
    sign_in(client)
    assert client.post("/sign-out").status_code == 403
    assert client.post("/sign-out", data={"csrf": "forged"}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    responses = [client.get("/sign-in"), client.get("/static/vigil.css"), client.post("/sign-out")]
    sign_in(client)
    responses += [client.get("/"), client.get("/incidents")]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
    for response in responses[3:]:
        assert only_script_files(response.text)


def only_script_files(html: str) -> bool:
    """True when a page runs scripts only from Vigil's own files, with no inline code or style."""
    scripts = re.findall(r"<script[^>]*>[^<]*</script>", html)
    return (
        bool(scripts)
        and html.count("<script") == len(scripts)
        and all(re.fullmatch(r'<script src="/static/[^"]+" defer></script>', s) for s in scripts)
        and "style=" not in html
        and "<style" not in html
    )


def test_incidents_follow_compartments_and_filters(
    vigil: Vigil, settings: Settings, client: TestClient
) -> None:
    ws = vigil.workspace
    new_compartment(vigil, "Hotline 2017")
    new_compartment(vigil, "Legal team")
    town = add_record(ws, Place("", "Argun", "town"), "Hotline 2017")
    seen = add_record(
        ws,
        Incident("", "Detentions in Argun", parse_date("2017-03"), places=(town,)),
        "Hotline 2017",
    )
    later = add_record(ws, Incident("", "Raid in spring", parse_date("2019-04")), "Hotline 2017")
    hidden = add_record(ws, Incident("", "Hidden case", parse_date("2017-03")), "Legal team")
    vigil.add_user("member", "viewer", PASSPHRASE, ("Hotline 2017",))
    sign_in(client, "member")
    page = client.get("/incidents").text
    assert seen in page and "Detentions in Argun" in page and later in page
    assert hidden not in page and "Hidden case" not in page
    by_period = client.get("/incidents", params={"period": "2017"}).text
    assert seen in by_period and later not in by_period
    by_place = client.get("/incidents", params={"place": town}).text
    assert seen in by_place and later not in by_place
    bad = client.get("/incidents", params={"period": "not a date"})
    assert bad.status_code == 400
    assert "2" in client.get("/").text


def test_a_sealed_name_never_reaches_a_page(vigil: Vigil, client: TestClient) -> None:
    ws = vigil.workspace
    victim = add_record(ws, person(SEALED_NAME))
    incident = add_record(ws, Incident("", "Detention", parse_date("2017-03")))
    add_record(ws, Act("", incident, "secret-detention", victim_person=victim))
    token = csrf_of(client.get("/sign-in").text)
    pages = [
        client.post(
            "/sign-in", data={"csrf": token, "user": "admin", "passphrase": PASSPHRASE}
        ).text
    ]
    pages += [client.get(path).text for path in ("/", "/incidents", "/sign-in")]
    assert incident in pages[2]
    for html in pages:
        for part in SEALED_NAME.split():
            assert part not in html
