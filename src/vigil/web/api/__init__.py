"""The JSON API for scripts, `/api/v1`, with scoped, expiring API tokens.

The API is its own application mounted under the site, so that its OpenAPI description
(`/api/v1/openapi.json`) holds the API's routes only, and its refusals are JSON bodies
``{"error": "..."}``. Token pages for signed-in users are in :mod:`vigil.web.api.pages`.
"""

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vigil.domain.errors import DomainError
from vigil.services.permissions import NotAllowed
from vigil.services.workspace import Locked, NotFound
from vigil.web.api import pages, records
from vigil.web.api.access import Access, TooMany, Unauthorised
from vigil.web.api.limits import Limits, TokenSessions
from vigil.web.site import Site

PREFIX = "/api/v1"
IDLE_SECONDS = 300.0

__all__ = ["PREFIX", "application", "pages"]


def application(
    site: Site,
    limits: Limits | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the API application; mount it at PREFIX. Its ``state.sessions`` holds the opened
    token sessions (expire and close them with the site's), ``state.limits`` its rate limits."""
    sessions = TokenSessions(min(IDLE_SECONDS, site.settings.session_minutes * 60))
    access = Access(site.settings, sessions, limits or Limits.default(), clock)
    api = FastAPI(
        title="Vigil API",
        version="1",
        description="Records, the overview and vocabularies of a Vigil instance, for scripts. "
        "Every request carries an API token: `Authorization: Bearer vgt_…`.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.sessions = sessions
    api.state.access = access
    api.include_router(records.router(access))
    _install_handlers(api)
    return api


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _install_handlers(api: FastAPI) -> None:
    @api.exception_handler(Unauthorised)
    async def unauthorised(_: Request, error: Unauthorised) -> Response:
        return _error(401, str(error), {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(TooMany)
    async def too_many(_: Request, error: TooMany) -> Response:
        return _error(429, str(error), {"Retry-After": str(error.seconds)})

    @api.exception_handler(NotAllowed)
    async def not_allowed(_: Request, error: NotAllowed) -> Response:
        return _error(403, str(error))

    @api.exception_handler(Locked)
    async def locked(_: Request, error: Locked) -> Response:
        return _error(403, str(error))

    @api.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> Response:
        return _error(404, str(error))

    @api.exception_handler(DomainError)
    async def invalid(_: Request, error: DomainError) -> Response:
        return _error(400, str(error))

    @api.exception_handler(RequestValidationError)
    async def malformed(_: Request, error: RequestValidationError) -> Response:
        # Name the fields at fault, never echo the values sent (they may be identities).
        parts = []
        for problem in error.errors()[:5]:
            where = ".".join(str(p) for p in problem.get("loc", ()))
            parts.append(f"{where}: {problem.get('msg', 'invalid')}")
        return _error(400, "; ".join(parts) or "invalid request")

    @api.exception_handler(Exception)
    async def broken(_: Request, __: Exception) -> Response:
        # Say nothing of what failed: the message could hold data; the server log has it.
        return _error(500, "internal error")

    @api.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> Response:
        return _error(error.status_code, str(error.detail), getattr(error, "headers", None))
