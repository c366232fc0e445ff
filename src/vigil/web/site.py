"""What every page shares: templates in the reader's language, sessions, CSRF and refusals.

Routes raise the services' own exceptions; the handlers installed by :func:`install_handlers`
turn them into one clear page (or JSON body under ``/api/``) without a stack trace.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from vigil.bootstrap import Settings, Vigil
from vigil.domain.errors import DomainError
from vigil.services.accounts import Session
from vigil.services.permissions import NotAllowed, allows
from vigil.services.workspace import Locked, NotFound, Workspace
from vigil.web.i18n import LANGUAGE_NAMES, LANGUAGES, best_language, load_translations
from vigil.web.sessions import SessionStore, WebSession

HERE = Path(__file__).resolve().parent
COOKIE = "vigil_session"
LANGUAGE_COOKIE = "vigil_language"


class SignInRequired(Exception):
    """The request needs a signed-in session and has none."""


class FormExpired(Exception):
    """A POST came without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class Form:
    """A checked form: the session that sent it and its text fields."""

    session: WebSession
    fields: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


class Site:
    """The instance's settings, its sessions and the templates, shared by every router."""

    def __init__(self, settings: Settings, sessions: SessionStore) -> None:
        self.settings = settings
        self.sessions = sessions
        self.environments = {language: _environment(language) for language in LANGUAGES}
        self.translations = {language: load_translations(language) for language in LANGUAGES}

    # -- language ---------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        return best_language(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        )

    def gettext(self, request: Request, message: str, **values: Any) -> str:
        """Translate a message of Python code into the request's language."""
        text = self.translations[self.language(request)].gettext(message)
        return text % values if values else text

    # -- sessions ---------------------------------------------------------------------------

    def session(self, request: Request) -> WebSession:
        """The signed-in session of the request, or SignInRequired (a redirect to sign in)."""
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is None or session.vigil is None:
            raise SignInRequired()
        return session

    def optional_session(self, request: Request) -> WebSession | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    async def form(self, request: Request, signed_in: bool = True) -> Form:
        """The form of a POST, checked against the session's CSRF token, or FormExpired."""
        session = self.sessions.get(request.cookies.get(COOKIE))
        data = await request.form()
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        token = fields.get("csrf", "")
        if session is None or not token or not secrets.compare_digest(token, session.csrf):
            raise FormExpired()
        if signed_in and session.vigil is None:
            raise SignInRequired()
        return Form(session, fields)

    def set_cookie(self, request: Request, response: Response, session_id: str) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    # -- pages ------------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        name: str,
        session: WebSession | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """Render a template in the request's language with what every page needs."""
        user = role = None
        if session is not None and session.vigil is not None and session.vigil.session:
            user = session.vigil.session.user.name
            role = session.vigil.session.user.role
        language = self.language(request)
        html = (
            self.environments[language]
            .get_template(name)
            .render(
                csrf=session.csrf if session else "",
                user=user,
                role=role,
                language=language,
                languages=LANGUAGE_NAMES,
                path=request.url.path,
                htmx=request.headers.get("hx-request") == "true",
                can=lambda permission: role is not None and allows(role, permission),
                **context,
            )
        )
        return HTMLResponse(html, status_code=status)


def signed_in(session: WebSession) -> Vigil:
    """The session's opened instance with its signed-in user (call holding ``session.lock``)."""
    if session.vigil is None or session.vigil.session is None:
        raise SignInRequired()
    return session.vigil


def me(vigil: Vigil) -> Session:
    """The signed-in user's account session of an opened instance."""
    if vigil.session is None:
        raise SignInRequired()
    return vigil.session


def workspace(session: WebSession) -> Workspace:
    """The signed-in session's workspace (call it holding ``session.lock``)."""
    return signed_in(session).workspace


def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        load_translations(language), newstyle=True
    )
    return environment


def install_handlers(app: FastAPI, site: Site) -> None:
    """Turn the services' refusals into one clear answer each, never a stack trace."""

    def answer(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        session = site.optional_session(request)
        return site.render(request, "error.html", session, status, code=status, message=message)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _: SignInRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "sign-in required"}, status_code=401)
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, _: FormExpired) -> Response:
        return answer(request, 403, site.gettext(request, "The form has expired: reload the page."))

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, error: NotAllowed) -> Response:
        return answer(request, 403, str(error))

    @app.exception_handler(Locked)
    async def locked(request: Request, error: Locked) -> Response:
        return answer(request, 403, str(error))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return answer(request, 404, str(error))

    @app.exception_handler(DomainError)
    async def invalid(request: Request, error: DomainError) -> Response:
        return answer(request, 400, str(error))
