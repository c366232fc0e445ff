"""The web application factory: sign-in, server-side sessions, CSRF, the first pages."""

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from vigil.bootstrap import InstanceMissing, Settings, Vigil
from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError
from vigil.domain.records import Incident
from vigil.services.accounts import SignInFailed
from vigil.services.permissions import NotAllowed
from vigil.services.ports import WrongPassphrase
from vigil.services.querying import ListFilters, list_records, overview
from vigil.services.workspace import Locked, NotFound
from vigil.web.sessions import SessionStore, WebSession

HERE = Path(__file__).resolve().parent
COOKIE = "vigil_session"
SIGN_IN_FAILED = "Sign-in failed: check the user name, the passphrase and the one-time code."
PAGE_SIZE = 50

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def create_app(settings: Settings, sweep_seconds: float = 30.0) -> FastAPI:
    """Build the web application for one instance; nothing is opened until someone signs in."""
    sessions = SessionStore(settings.session_minutes * 60)
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(sweep_seconds)
                sessions.expire()

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()
            sessions.close_all()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sessions = sessions
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def render(
        request: Request, name: str, session: WebSession | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        user = None
        if session is not None and session.vigil is not None and session.vigil.session:
            user = session.vigil.session.user.name
        html = templates.get_template(name).render(
            csrf=session.csrf if session else "", user=user, **context
        )
        return HTMLResponse(html, status_code=status)

    def set_cookie(request: Request, response: Response, session_id: str) -> None:
        response.set_cookie(
            COOKIE,
            session_id,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    def to_sign_in() -> RedirectResponse:
        return RedirectResponse("/sign-in", status_code=303)

    def forbidden() -> HTMLResponse:
        return HTMLResponse("Forbidden: the form has expired; reload the page.", status_code=403)

    async def checked_form(request: Request) -> tuple[WebSession | None, dict[str, str]]:
        """Return the session and form fields when the form carries the session's CSRF token."""
        session = sessions.get(request.cookies.get(COOKIE))
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        token = fields.get("csrf", "")
        if session is None or not token or not secrets.compare_digest(token, session.csrf):
            return None, fields
        return session, fields

    def signed_in(request: Request) -> WebSession | None:
        session = sessions.get(request.cookies.get(COOKIE))
        return session if session is not None and session.vigil is not None else None

    @app.get("/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request) -> Response:
        session_id = request.cookies.get(COOKIE)
        session = sessions.get(session_id)
        if session is not None and session.vigil is not None:
            return RedirectResponse("/", status_code=303)
        if session is None:
            session_id, session = sessions.new()
        response = render(request, "sign_in.html", session)
        assert session_id is not None  # noqa: S101 - set just above when missing
        set_cookie(request, response, session_id)
        return response

    @app.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        session, fields = await checked_form(request)
        if session is None:
            return forbidden()
        user = fields.get("user", "").strip()
        passphrase = fields.get("passphrase", "")
        code = fields.get("totp", "").strip() or None
        vigil = await asyncio.to_thread(_open_and_sign_in, settings, user, passphrase, code)
        if vigil is None:
            return render(request, "sign_in.html", session, 401, error=SIGN_IN_FAILED)
        sessions.end(request.cookies.get(COOKIE))
        session_id, _ = sessions.new(vigil)
        response = RedirectResponse("/", status_code=303)
        set_cookie(request, response, session_id)
        return response

    @app.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        session, _ = await checked_form(request)
        if session is None:
            return forbidden()
        sessions.end(request.cookies.get(COOKIE))
        response = to_sign_in()
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Response:
        session = signed_in(request)
        if session is None or session.vigil is None:
            return to_sign_in()
        with session.lock:
            try:
                result = overview(session.vigil.workspace)
            except (NotAllowed, Locked) as error:
                return render(request, "error.html", session, 403, message=str(error))
            quantities = {
                t.code: t.label() for t in session.vigil.workspace.vocabularies["quantity"]
            }
        counts = [
            (quantities.get(quantity, quantity), lines)
            for quantity, lines in sorted(result.counts.items())
        ]
        return render(
            request,
            "dashboard.html",
            session,
            records=[(kind.value, n) for kind, n in result.records.items()],
            per_year=result.incidents_per_year,
            counts=counts,
        )

    @app.get("/incidents", response_class=HTMLResponse)
    def incidents(request: Request, period: str = "", place: str = "") -> Response:
        session = signed_in(request)
        if session is None or session.vigil is None:
            return to_sign_in()
        filters = ListFilters(period=period.strip() or None, place=place.strip() or None)
        with session.lock:
            try:
                views = list_records(session.vigil.workspace, RecordKind.INCIDENT, filters)
            except (DomainError, NotFound) as error:
                return render(
                    request,
                    "incidents.html",
                    session,
                    400,
                    error=str(error),
                    rows=[],
                    period=period,
                    place=place,
                )
            except (NotAllowed, Locked) as error:
                return render(request, "error.html", session, 403, message=str(error))
        rows = [v.record for v in views if isinstance(v.record, Incident)][:PAGE_SIZE]
        return render(
            request, "incidents.html", session, rows=rows, period=period, place=place, error=None
        )

    return app


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
