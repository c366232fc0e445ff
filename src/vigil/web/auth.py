"""Signing in and out, and choosing the interface's language."""

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vigil.bootstrap import InstanceMissing, Settings, Vigil
from vigil.services.accounts import SignInFailed
from vigil.services.permissions import NotAllowed
from vigil.services.ports import WrongPassphrase
from vigil.services.workspace import Locked
from vigil.web.i18n import LANGUAGES, N_
from vigil.web.limits import TOO_MANY, SignInLimits
from vigil.web.site import COOKIE, LANGUAGE_COOKIE, Site

SIGN_IN_FAILED = N_("Sign-in failed: check the user name, the passphrase and the one-time code.")
YEAR = 365 * 24 * 3600


def router(site: Site) -> APIRouter:
    routes = APIRouter()
    limits = SignInLimits()

    @routes.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request) -> Response:
        session_id = request.cookies.get(COOKIE)
        session = site.sessions.get(session_id)
        if session is not None and session.vigil is not None:
            return RedirectResponse("/", status_code=303)
        if session is None or session_id is None:
            session_id, session = site.sessions.new()
        response = site.render(request, "sign_in.html", session)
        site.set_cookie(request, response, session_id)
        return response

    @routes.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        form = await site.form(request, signed_in=False)
        user = form.get("user").strip()
        code = form.get("totp").strip() or None
        address = request.client.host if request.client else ""
        wait = limits.attempt(address, user)
        if wait:
            error = site.gettext(request, TOO_MANY, minutes=-(-wait // 60))
            refused = site.render(request, "sign_in.html", form.session, 429, error=error)
            refused.headers["Retry-After"] = str(wait)
            return refused
        vigil = await asyncio.to_thread(
            _open_and_sign_in, site.settings, user, form.get("passphrase"), code
        )
        if vigil is None:
            error = site.gettext(request, SIGN_IN_FAILED)
            return site.render(request, "sign_in.html", form.session, 401, error=error)
        limits.succeeded(user)
        site.sessions.end(request.cookies.get(COOKIE))
        session_id, _ = site.sessions.new(vigil)
        response = RedirectResponse("/", status_code=303)
        site.set_cookie(request, response, session_id)
        return response

    @routes.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        await site.form(request, signed_in=False)
        site.sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @routes.post("/language")
    async def choose_language(request: Request) -> Response:
        form = await site.form(request, signed_in=False)
        language = form.get("language")
        back = form.get("next", "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        response = RedirectResponse(back, status_code=303)
        if language in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                language,
                max_age=YEAR,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
        return response

    return routes


def _open_and_sign_in(
    settings: Settings, user: str, passphrase: str, code: str | None
) -> Vigil | None:
    """Open the instance and sign in; on any refusal close it and say nothing more."""
    if not user or not passphrase:
        return None
    try:
        vigil = Vigil.open(settings)
    except InstanceMissing:
        return None
    try:
        vigil.sign_in(user, passphrase, code)
    except (SignInFailed, WrongPassphrase, NotAllowed, Locked):
        vigil.close()
        return None
    except BaseException:
        vigil.close()
        raise
    return vigil
