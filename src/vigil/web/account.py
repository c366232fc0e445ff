"""The signed-in user's own page, and enrolling an app for one-time codes.

A new TOTP secret is shown (as text, as its otpauth:// URI and as a QR code) and takes effect
only once a code made from it by the app is typed back, so a secret mistyped into the app
cannot lock its user out. Until then it lives in the page's form only, never on the server.
"""

import re

import segno
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from vigil.services import accounts, compartments
from vigil.web.admin import off_loop
from vigil.web.sessions import WebSession
from vigil.web.site import Form, Site, me, signed_in

SECRET = re.compile(r"[A-Z2-7]{16,128}")


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code: presentation attributes only, no style, no script."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, svgclass="qr", lineclass=None, omitsize=False
    )
    return Markup(svg)  # noqa: S704 - segno's own markup around a path of moves, no user text


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    def account_page(request: Request, session: WebSession, notice: str | None = None) -> Response:
        with session.lock:
            vigil = signed_in(session)
            own = me(vigil)
            mine = [
                c for c in compartments.list_compartments(vigil.store, own) if c.name in own.keys
            ]
            totp = own.user.totp_sealed is not None
        return site.render(
            request,
            "admin/account.html",
            session,
            account_name=own.user.name,
            account_role=own.user.role,
            compartments=mine,
            totp=totp,
            notice=notice,
        )

    def totp_page(
        request: Request,
        session: WebSession,
        secret: str,
        uri: str,
        status: int = 200,
        error: str | None = None,
    ) -> Response:
        with session.lock:
            enrolled = me(signed_in(session)).user.totp_sealed is not None
        return site.render(
            request,
            "admin/totp.html",
            session,
            status,
            secret=secret,
            uri=uri,
            qr=qr_svg(uri),
            enrolled=enrolled,
            error=error,
        )

    @routes.get("/account", response_class=HTMLResponse)
    def account(request: Request) -> Response:
        return account_page(request, site.session(request))

    @routes.get("/account/totp", response_class=HTMLResponse)
    def new_totp(request: Request) -> Response:
        session = site.session(request)
        with session.lock:
            vigil = signed_in(session)
            secret, uri = accounts.start_totp(vigil.user_keys, me(vigil))
        return totp_page(request, session, secret, uri)

    @routes.post("/account/totp", response_class=HTMLResponse)
    async def confirm_totp(request: Request) -> Response:
        return await off_loop(confirming, request, await site.form(request))

    def confirming(request: Request, form: Form) -> Response:
        session = form.session
        secret = form.get("secret").strip()
        code = form.get("code").strip().replace(" ", "")
        if not SECRET.fullmatch(secret):
            with session.lock:
                vigil = signed_in(session)
                secret, uri = accounts.start_totp(vigil.user_keys, me(vigil))
            error = site.gettext(request, "The secret was changed: here is a new one.")
            return totp_page(request, session, secret, uri, 400, error)

        refused_uri = None
        with session.lock:
            vigil = signed_in(session)
            try:
                accounts.confirm_totp(vigil.store, vigil.user_keys, me(vigil), secret, code)
            except accounts.CodeRejected:
                refused_uri = vigil.user_keys.totp_uri(secret, me(vigil).user.name)
            else:
                vigil.workspace.record_event("totp-enrol", None, {"user": me(vigil).user.name})
        if refused_uri is not None:
            error = site.gettext(
                request,
                "That code does not match this secret: nothing was changed. Check the app's "
                "clock and try the next code.",
            )
            return totp_page(request, session, secret, refused_uri, 400, error)
        notice = site.gettext(
            request, "One-time codes are on: sign-in now asks for the code from your app."
        )
        return account_page(request, session, notice)

    return routes
