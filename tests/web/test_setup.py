"""First-run set-up from the browser, the access log's hidden queries, and sign-in rate limits."""

import logging
import re
from collections.abc import Iterator

import httpx2 as httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from conftest import FAST_KDF, PASSPHRASE
from vigil.bootstrap import Settings, Vigil
from vigil.services.querying import overview
from vigil.web.app import create_app
from vigil.web.limits import SignInLimits, SlidingWindow
from vigil.web.setup import HideQueryStrings, SetupGate, instance_exists, prepare
from web.test_web import csrf_of, sign_in

NEW_PASSPHRASE = "a long and fresh passphrase"


@pytest.fixture
def gate() -> SetupGate:
    return SetupGate.new(kdf=FAST_KDF)


@pytest.fixture
def app(settings: Settings, gate: SetupGate) -> FastAPI:
    """The application over a home with no instance, its set-up gate open."""
    application = create_app(settings)
    application.state.setup_gate = gate
    return application


@pytest.fixture
def fresh(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def setup_form(client: TestClient, token: str) -> str:
    page = client.get(f"/setup?token={token}")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def submit(client: TestClient, token: str, **fields: str) -> httpx.Response:
    data = {
        "csrf": setup_form(client, token),
        "token": token,
        "user": "chief",
        "passphrase": NEW_PASSPHRASE,
        "confirm": NEW_PASSPHRASE,
    }
    data.update(fields)
    return client.post("/setup", data=data, follow_redirects=False)


def test_setup_without_an_open_gate_is_not_found(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/setup?token=anything").status_code == 404
        assert client.post("/setup", data={"token": "anything"}).status_code == 404
    assert not instance_exists(settings)


def test_setup_needs_the_exact_token(fresh: TestClient, gate: SetupGate) -> None:
    assert fresh.get("/setup").status_code == 404
    assert fresh.get("/setup?token=").status_code == 404
    assert fresh.get(f"/setup?token={gate.token[:-1]}x").status_code == 404
    page = fresh.get(f"/setup?token={gate.token}")
    assert page.status_code == 200
    assert 'name="passphrase"' in page.text and 'name="confirm"' in page.text
    assert 'value="yes" checked' not in page.text  # demonstration data only when offered


def test_the_demonstration_box_is_ticked_when_offered(settings: Settings) -> None:
    application = create_app(settings)
    offered = SetupGate.new(offer_demo=True, kdf=FAST_KDF)
    application.state.setup_gate = offered
    with TestClient(application) as client:
        assert 'value="yes" checked' in client.get(f"/setup?token={offered.token}").text


def test_setup_creates_the_first_administrator_once(
    fresh: TestClient, gate: SetupGate, settings: Settings
) -> None:
    response = submit(fresh, gate.token)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in"
    assert instance_exists(settings)
    sign_in(fresh, "chief", NEW_PASSPHRASE)
    assert "chief" in fresh.get("/").text
    assert fresh.get(f"/setup?token={gate.token}").status_code == 404
    again = fresh.post(
        "/setup",
        data={"csrf": csrf_of(fresh.get("/").text), "token": gate.token, "user": "other"},
    )
    assert again.status_code == 404


def test_an_existing_instance_is_never_set_up_again(
    vigil: Vigil, settings: Settings, gate: SetupGate
) -> None:
    application = create_app(settings)
    application.state.setup_gate = gate
    with TestClient(application) as client:
        assert client.get(f"/setup?token={gate.token}").status_code == 404
        csrf = csrf_of(client.get("/sign-in").text)
        refused = client.post(
            "/setup",
            data={
                "csrf": csrf,
                "token": gate.token,
                "user": "intruder",
                "passphrase": NEW_PASSPHRASE,
                "confirm": NEW_PASSPHRASE,
            },
        )
        assert refused.status_code == 404
    assert [u.name for u in vigil.store.users()] == ["admin"]


def test_setup_refuses_a_post_without_csrf_or_with_a_wrong_token(
    fresh: TestClient, gate: SetupGate, settings: Settings
) -> None:
    csrf = setup_form(fresh, gate.token)
    fields = {"user": "chief", "passphrase": NEW_PASSPHRASE, "confirm": NEW_PASSPHRASE}
    no_csrf = fresh.post("/setup", data={"token": gate.token, **fields})
    assert no_csrf.status_code == 403
    wrong_csrf = fresh.post("/setup", data={"csrf": csrf + "x", "token": gate.token, **fields})
    assert wrong_csrf.status_code == 403
    wrong_token = fresh.post("/setup", data={"csrf": csrf, "token": "guess", **fields})
    assert wrong_token.status_code == 404
    assert not instance_exists(settings)
    assert not gate.used


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"passphrase": "short", "confirm": "short"}, "at least 8 characters"),
        ({"confirm": NEW_PASSPHRASE + "!"}, "passphrases differ"),
        ({"user": "no spaces"}, "A user name has"),
        ({"user": ""}, "A user name has"),
    ],
)
def test_setup_explains_a_bad_form_and_writes_nothing(
    fresh: TestClient, gate: SetupGate, settings: Settings, fields: dict[str, str], message: str
) -> None:
    response = submit(fresh, gate.token, **fields)
    assert response.status_code == 400
    text = response.text
    assert message in text
    assert NEW_PASSPHRASE not in text and "short" not in text.split("<main>")[1].split("</h1>")[1]
    assert not instance_exists(settings)
    assert submit(fresh, gate.token).status_code == 303


def test_setup_loads_the_demonstration_data_when_asked(
    fresh: TestClient, gate: SetupGate, settings: Settings
) -> None:
    assert submit(fresh, gate.token, demo="yes").status_code == 303
    vigil = Vigil.open(settings)
    try:
        vigil.open_database("chief", NEW_PASSPHRASE)
        vigil.sign_in("chief", NEW_PASSPHRASE)
        assert sum(overview(vigil.workspace).records.values()) > 0
    finally:
        vigil.close()


def test_prepare_prints_a_one_time_link_only_over_a_missing_instance(settings: Settings) -> None:
    application = create_app(settings)
    lines = prepare(application, settings, "0.0.0.0", 8123, offer_demo=True)  # noqa: S104
    gate = application.state.setup_gate
    assert gate.offer_demo and not gate.used
    assert f"  http://127.0.0.1:8123/setup?token={gate.token}" in lines
    Vigil.create(settings, PASSPHRASE, kdf=FAST_KDF).close()
    later = create_app(settings)
    assert prepare(later, settings, "127.0.0.1", 8123, offer_demo=False) == [
        "Vigil serves http://127.0.0.1:8123/"
    ]
    assert getattr(later.state, "setup_gate", None) is None


def test_the_access_log_never_shows_a_query_string(settings: Settings) -> None:
    access = logging.getLogger("uvicorn.access")
    before = list(access.filters)
    try:
        prepare(create_app(settings), settings, "127.0.0.1", 8000, offer_demo=False)
        uvicorn.Config(create_app(settings), log_level="info")  # configures logging as serving does
        hiding = [f for f in access.filters if isinstance(f, HideQueryStrings)]
        assert len(hiding) == 1
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", "/setup?token=SECRET-TOKEN", "1.1", 200),
            None,
        )
        assert hiding[0].filter(record)
        line = record.getMessage()
        assert "SECRET-TOKEN" not in line and "/setup?" in line
    finally:
        access.filters[:] = before


# -- rate limits ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_refuses_past_its_limit_until_the_oldest_hit_leaves() -> None:
    clock = Clock()
    window = SlidingWindow(3, 60.0, clock)
    assert [window.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert window.hit("a") == pytest.approx(50.0)
    assert window.hit("b") == 0.0  # other keys have their own window
    clock.now += 50
    assert window.hit("a") == 0.0  # the first hit left; refused tries were not counted


def test_a_sliding_window_forgets_the_oldest_keys_past_its_size() -> None:
    window = SlidingWindow(1, 60.0, Clock(), max_keys=2)
    window.hit("a")
    window.hit("b")
    window.hit("c")
    assert window.hit("a") == 0.0  # forgotten, so counted afresh
    assert window.hit("c") > 0


def test_sign_in_limits_count_per_address_and_per_user() -> None:
    clock = Clock()
    limits = SignInLimits(per_address=3, per_user=2, window=300.0, clock=clock)
    assert limits.attempt("10.0.0.1", "admin") == 0
    assert limits.attempt("10.0.0.2", "Admin") == 0
    assert limits.attempt("10.0.0.3", "admin") == 300  # the same name from anywhere
    limits.succeeded("admin")
    assert limits.attempt("10.0.0.3", "admin") == 0
    assert limits.attempt("10.0.0.1", "x") == 0
    assert limits.attempt("10.0.0.1", "y") == 0
    assert limits.attempt("10.0.0.1", "z") == 300  # one address trying many names


WRONG = "wrong passphrase"


def failed_sign_in(client: TestClient, user: str, passphrase: str = WRONG) -> httpx.Response:
    csrf = csrf_of(client.get("/sign-in").text)
    return client.post("/sign-in", data={"csrf": csrf, "user": user, "passphrase": passphrase})


def test_sign_in_from_one_address_is_limited_with_retry_after(
    vigil: Vigil, settings: Settings
) -> None:
    with TestClient(create_app(settings)) as client:
        for n in range(10):
            assert failed_sign_in(client, f"user{n}").status_code == 401
        refused = failed_sign_in(client, "admin", PASSPHRASE)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 300
        assert "Too many sign-in attempts" in refused.text
        assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


def test_sign_in_for_one_user_is_limited_across_addresses(vigil: Vigil, settings: Settings) -> None:
    application = create_app(settings)
    for n in range(10):
        client = TestClient(application, client=(f"192.0.2.{n}", 5000))
        assert failed_sign_in(client, "admin").status_code == 401
    other = TestClient(application, client=("198.51.100.7", 5000))
    refused = failed_sign_in(other, "admin", PASSPHRASE)
    assert refused.status_code == 429
    assert failed_sign_in(other, "someone-else").status_code == 401


def test_htmx_is_served_by_vigil_and_configured_for_the_strict_policy(fresh: TestClient) -> None:
    script = fresh.get("/static/htmx.min.js")
    assert script.status_code == 200 and 'version:"2.' in script.text
    assert "javascript" in script.headers["content-type"]
    page = fresh.get("/sign-in").text
    assert '<script src="/static/htmx.min.js" defer></script>' in page
    assert '"includeIndicatorStyles":false' in page and '"historyCacheSize":0' in page


def test_cookies_are_secure_behind_a_trusted_tls_proxy(vigil: Vigil, settings: Settings) -> None:
    """uvicorn puts this middleware in front of the app for FORWARDED_ALLOW_IPS."""
    proxied = ProxyHeadersMiddleware(create_app(settings), trusted_hosts="127.0.0.1")
    with TestClient(proxied, client=("127.0.0.1", 5000)) as client:
        tls = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert re.search(r";\s*secure", tls.headers["set-cookie"], re.IGNORECASE)
    with TestClient(proxied, client=("203.0.113.9", 5000)) as client:
        spoofed = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert not re.search(r";\s*secure", spoofed.headers["set-cookie"], re.IGNORECASE)


def test_a_window_says_how_long_to_wait_without_counting_the_question() -> None:
    clock = Clock()
    window = SlidingWindow(2, 60.0, clock)
    assert window.waiting("a") == 0.0
    window.hit("a")
    window.hit("a")
    clock.now += 15
    assert window.waiting("a") == pytest.approx(45.0)
    assert window.waiting("a") == pytest.approx(45.0)  # asking counted nothing
    clock.now += 46
    assert window.waiting("a") == 0.0
