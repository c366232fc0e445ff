"""The web application factory: one Site shared by the routers of each part of Vigil."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from vigil.bootstrap import Settings
from vigil.web import account, admin, auth, overview
from vigil.web.auth import SIGN_IN_FAILED
from vigil.web.sessions import SessionStore
from vigil.web.site import HERE, Site, install_handlers

__all__ = ["SIGN_IN_FAILED", "create_app"]

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
    site = Site(settings, sessions)

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
    app.state.site = site
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    install_handlers(app, site)
    for part in (auth, overview, admin, account):
        app.include_router(part.router(site))
    return app
