"""The first administrator, from the browser: a one-time set-up link printed by `vigil serve`.

When the server starts over a home (or database) holding no instance, :func:`prepare` opens a
:class:`SetupGate` with a random token kept in memory only, and returns the link to print on the
terminal. ``GET /setup?token=...`` shows a form; ``POST /setup`` (CSRF and the token again, as a
form field) creates the instance as `vigil init` does, loads the demonstration data if asked and
sends the browser to sign in. Without an open gate, with a wrong token, or once the instance
exists, ``/setup`` answers 404 like any unknown address. There is never a default passphrase.

The access log would print the link's query string: :class:`HideQueryStrings` replaces every
query string in uvicorn's access log, since queries may carry search terms too.
"""

import asyncio
import logging
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vigil.bootstrap import InstanceMissing, Settings, Vigil
from vigil.services.accounts import valid_user_name
from vigil.services.demo import load_demo
from vigil.services.instance import AlreadyInitialised
from vigil.services.ports import MIN_PASSPHRASE
from vigil.web.i18n import N_ as _
from vigil.web.site import COOKIE, Site

MAX_USER_NAME = 64


@dataclass(slots=True)
class SetupGate:
    """The one-time set-up of a new instance: its token, and whether it was used."""

    token: str
    offer_demo: bool = False
    kdf: Any = None  # key-derivation parameters for the administrator (None: the defaults)
    used: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def new(cls, offer_demo: bool = False, kdf: Any = None) -> "SetupGate":
        return cls(secrets.token_urlsafe(32), offer_demo, kdf)

    def accepts(self, token: str) -> bool:
        return not self.used and bool(token) and secrets.compare_digest(token, self.token)


def instance_exists(settings: Settings) -> bool:
    """Tell whether the settings name an instance already (a new database gets its schema)."""
    if settings.embedded:
        return settings.database_file.exists()
    try:
        Vigil.open(settings).close()
    except InstanceMissing:
        return False
    return True


def prepare(app: FastAPI, settings: Settings, host: str, port: int, offer_demo: bool) -> list[str]:
    """Get a served application ready; return the lines to print on the terminal.

    Over a missing instance, open the set-up gate and include its one-time link.
    """
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideQueryStrings) for f in access.filters):
        access.addFilter(HideQueryStrings())
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host  # noqa: S104
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    address = f"http://{shown}:{port}"
    lines = [f"Vigil serves {address}/"]
    if not instance_exists(settings):
        gate = SetupGate.new(offer_demo)
        app.state.setup_gate = gate
        lines += [
            "No instance yet: create its first administrator, once, with this link",
            "(it works until the server stops; keep it to yourself):",
            f"  {address}/setup?token={gate.token}",
        ]
    return lines


class HideQueryStrings(logging.Filter):
    """Drop the query string from uvicorn's access log lines: it may hold a set-up token."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    def open_gate(request: Request, token: str | None = None) -> SetupGate:
        """The open gate, checking the token when given; else 404 like an unknown address."""
        gate: SetupGate | None = getattr(request.app.state, "setup_gate", None)
        if gate is None or gate.used or (token is not None and not gate.accepts(token)):
            raise HTTPException(status_code=404)
        return gate

    def page(
        request: Request, session_id: str | None, status: int = 200, **context: Any
    ) -> Response:
        session = site.sessions.get(session_id)
        if session is None or session_id is None:
            session_id, session = site.sessions.new()
        response = site.render(request, "setup/setup.html", session, status, **context)
        site.set_cookie(request, response, session_id)
        return response

    @routes.get("/setup", response_class=HTMLResponse)
    def setup_page(request: Request, token: str = "") -> Response:
        gate = open_gate(request, token)
        if instance_exists(site.settings):  # made meanwhile, e.g. with `vigil init`
            gate.used = True
            raise HTTPException(status_code=404)
        return page(
            request, request.cookies.get(COOKIE), token=token, admin="admin", demo=gate.offer_demo
        )

    @routes.post("/setup", response_class=HTMLResponse)
    async def setup(request: Request) -> Response:
        gate = open_gate(request)
        form = await site.form(request, signed_in=False)
        token = form.get("token")
        open_gate(request, token)
        user = form.get("user").strip()
        passphrase = form.get("passphrase")
        demo = form.get("demo") == "yes"
        problem = _problem(user, passphrase, form.get("confirm"))
        if problem:
            error = site.gettext(request, problem, n=MIN_PASSPHRASE, max=MAX_USER_NAME)
            return page(
                request,
                request.cookies.get(COOKIE),
                400,
                token=token,
                admin=user,
                demo=demo,
                error=error,
            )
        if not gate.lock.acquire(blocking=False):  # another browser is setting up right now
            raise HTTPException(status_code=404)
        try:
            if gate.used:
                raise HTTPException(status_code=404)
            try:
                await asyncio.to_thread(_create, site.settings, user, passphrase, demo, gate.kdf)
            except AlreadyInitialised:
                gate.used = True
                raise HTTPException(status_code=404) from None
            gate.used = True
        finally:
            gate.lock.release()
        return RedirectResponse("/sign-in", status_code=303)

    return routes


def _problem(user: str, passphrase: str, confirm: str) -> str | None:
    """Say what is wrong with the form, before anything is written."""
    if len(user) > MAX_USER_NAME or not valid_user_name(user):
        return _("A user name has 1 to %(max)s letters, digits, '.', '-' or '_'.")
    if len(passphrase) < MIN_PASSPHRASE:
        return _("The passphrase needs at least %(n)s characters.")
    if passphrase != confirm:
        return _("The two passphrases differ.")
    return None


def _create(settings: Settings, user: str, passphrase: str, demo: bool, kdf: Any) -> None:
    """Create the instance and its first administrator; load the demonstration data if asked."""
    vigil = Vigil.create(settings, passphrase, kdf=kdf, user=user)
    try:
        if demo:
            load_demo(vigil.workspace)
    finally:
        vigil.close()
