"""Browser tests: Vigil served on a loopback port, driven by Playwright in Debian's Chromium.

Fixtures:

- ``served``: the application over a fresh embedded home, served by uvicorn in a background
  thread on a free 127.0.0.1 port, its one-time set-up gate open (``served.setup_link``);
  ``served.create_admin()`` makes the instance directly, faster than the set-up page.
- ``page``: a new browser context (own cookies, English) and page; any script error or
  content-security-policy violation seen on it fails the test.
- ``shot``: ``shot(page, "name")`` saves ``test-output/browser/<test>/NN-name.png``.
- ``sign_in(page, served, user, passphrase)``: sign in through the sign-in page.

Every test here is marked ``browser`` and skipped, with the reason, when Chromium or Playwright
is missing. The browser is Debian's (``apt-get install chromium``); Playwright never downloads
one. Screenshots are test artifacts: a sealed value or a secret on the page is painted over
(``shot(page, name, hide=(locator,))``), so none reaches a picture.
"""

import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from conftest import FAST_KDF, PASSPHRASE
from vigil.bootstrap import Settings, Vigil
from vigil.web.app import create_app
from vigil.web.setup import SetupGate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
HERE = Path(__file__).resolve().parent
START_SECONDS = 20.0
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


# -- the served application -----------------------------------------------------------------


@dataclass
class Served:
    """One application served on a loopback port over its own home."""

    url: str
    settings: Settings
    app: FastAPI
    gate: SetupGate | None
    users: dict[str, str] = field(default_factory=dict)

    @property
    def setup_link(self) -> str:
        assert self.gate is not None, "the set-up gate is closed"
        return f"{self.url}/setup?token={self.gate.token}"

    def create_admin(self, user: str = "admin", passphrase: str = PASSPHRASE) -> None:
        """Create the instance and its first administrator without the browser."""
        Vigil.create(self.settings, passphrase, kdf=FAST_KDF, user=user).close()
        if self.gate is not None:
            self.gate.used = True
        self.users[user] = passphrase


def sign_in(page: Any, served: Served, user: str, passphrase: str, code: str = "") -> None:
    """Sign in through the sign-in page, as a person does."""
    page.goto(f"{served.url}/sign-in")
    page.get_by_label("User").fill(user)
    page.get_by_label("Passphrase").fill(passphrase)
    if code:
        page.get_by_label("One-time code (if enrolled)").fill(code)
    page.get_by_role("button", name="Sign in").click()


def serve(app: FastAPI) -> tuple[str, Callable[[], None]]:
    """Serve an application in a background thread; return its address and a stop function."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(START_SECONDS)
        sock.close()

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A fresh embedded home with no instance yet, served, its set-up gate open."""
    settings = Settings(home=tmp_path / "instance")
    app = create_app(settings)
    gate = SetupGate.new(kdf=FAST_KDF)
    app.state.setup_gate = gate
    url, stop = serve(app)
    try:
        yield Served(url, settings, app, gate)
    finally:
        stop()


# -- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: browser tests skipped (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is missing: browser tests skipped"
    )
    playwright = sync_api.sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a context of its own; script errors and CSP violations fail the test."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    problems: list[str] = []
    new_page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    new_page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield new_page
    finally:
        context.close()
    assert problems == [], "the browser saw problems"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save numbered full-page screenshots under the test's own output folder."""
    folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    count = 0

    def take(page: Any, name: str, hide: tuple[Any, ...] = ()) -> Path:
        """``hide``: locators of what must not reach the picture (sealed values, secrets),
        painted over by Playwright before the screenshot is taken."""
        nonlocal count
        count += 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{count:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True, mask=list(hide))
        return path

    return take
