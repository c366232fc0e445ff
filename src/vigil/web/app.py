"""The web application factory: one Site shared by the routers of each part of Vigil."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from vigil.bootstrap import Settings
from vigil.web import account, admin, api, auth, forms, overview, records, setup
from vigil.web.auth import SIGN_IN_FAILED
from vigil.web.headers import SECURITY_HEADERS, SecurityHeaders
from vigil.web.sessions import SessionStore
from vigil.web.site import HERE, Site, install_handlers

__all__ = ["SECURITY_HEADERS", "SIGN_IN_FAILED", "create_app"]


def create_app(settings: Settings, sweep_seconds: float = 30.0) -> FastAPI:
    """Build the web application for one instance; nothing is opened until someone signs in."""
    sessions = SessionStore(settings.session_minutes * 60)
    site = Site(settings, sessions)
    api_app = api.application(site)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(sweep_seconds)
                sessions.expire()
                api_app.state.sessions.expire()

        task = asyncio.create_task(sweep())
        try:
            yield
        finally:
            task.cancel()
            sessions.close_all()
            api_app.state.sessions.close_all()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sessions = sessions
    app.state.site = site
    app.state.api = api_app
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    app.add_middleware(SecurityHeaders)

    install_handlers(app, site)
    for part in (auth, overview, forms, records, admin, account, setup, api.pages):
        app.include_router(part.router(site))
    app.mount(api.PREFIX, api_app)
    return app
