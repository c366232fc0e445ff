"""The signed-in user's API tokens page: create (shown once), list and revoke."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vigil.services.permissions import NotAllowed, allows
from vigil.services.tokens import DEFAULT_DAYS, MAX_DAYS
from vigil.services.workspace import INSTANCE_COMPARTMENT
from vigil.web.sessions import WebSession
from vigil.web.site import Site, workspace


def _held(session: WebSession) -> list[str]:
    vigil = session.vigil
    if vigil is None or vigil.session is None:
        return []
    return sorted(c for c, v in vigil.session.keys.items() if v and c != INSTANCE_COMPARTMENT)


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    def page(request: Request, session: WebSession, status: int = 200, **context: Any) -> Response:
        assert session.vigil is not None  # noqa: S101 - site.session() checked it
        with session.lock:
            rows = session.vigil.list_tokens()
            now = workspace(session).clock()
            actor = workspace(session).require("record.read")
        held = _held(session)
        values: dict[str, Any] = {
            "label": "",
            "scope": "read",
            "chosen": held[:1],
            "days": DEFAULT_DAYS,
            "created": None,
            "reveal": False,
            "error": None,
        }
        values.update(context)
        return site.render(
            request,
            "api/tokens.html",
            session,
            status,
            tokens=[(row, row.state(now)) for row in rows],
            compartments=held,
            can_write=allows(actor.role, "record.write"),
            can_reveal=allows(actor.role, "sealed.reveal"),
            max_days=MAX_DAYS,
            **values,
        )

    @routes.get("/account/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request) -> Response:
        return page(request, site.session(request))

    @routes.post("/account/tokens", response_class=HTMLResponse)
    async def create(request: Request) -> Response:
        form = await site.form(request)
        session = form.session
        assert session.vigil is not None  # noqa: S101 - site.form() checked it
        chosen = [
            name.removeprefix("compartment:")
            for name, value in form.fields.items()
            if name.startswith("compartment:") and value == "on"
        ]
        label, scope, days_text = form.get("label"), form.get("scope"), form.get("days")
        reveal = form.get("reveal") == "on"
        keep = {
            "label": label,
            "scope": scope,
            "chosen": chosen,
            "days": days_text,
            "reveal": reveal,
        }
        try:
            days = int(days_text or DEFAULT_DAYS)
        except ValueError:
            message = site.gettext(request, "The number of days must be a whole number.")
            return page(request, session, 400, error=message, **keep)
        try:
            with session.lock:
                new = session.vigil.create_token(label, scope, chosen, days, reveal)
        except NotAllowed as refused:
            return page(request, session, 400, error=str(refused), **keep)
        return page(request, session, created=new.text)

    @routes.post("/account/tokens/{token_id}/revoke")
    async def revoke(request: Request, token_id: str) -> Response:
        form = await site.form(request)
        assert form.session.vigil is not None  # noqa: S101 - site.form() checked it
        with form.session.lock:
            form.session.vigil.revoke_token(token_id)
        return RedirectResponse("/account/tokens", status_code=303)

    return routes
