"""The dashboard and the incidents list."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError
from vigil.domain.records import Incident
from vigil.services.querying import ListFilters, list_records, overview
from vigil.services.workspace import NotFound
from vigil.web.site import Site, workspace

PAGE_SIZE = 50


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    @routes.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Response:
        session = site.session(request)
        language = site.language(request)
        with session.lock:
            ws = workspace(session)
            result = overview(ws)
            quantities = {t.code: t.label(language) for t in ws.vocabularies["quantity"]}
        counts = [
            (quantities.get(quantity, quantity), lines)
            for quantity, lines in sorted(result.counts.items())
        ]
        return site.render(
            request,
            "dashboard.html",
            session,
            records=[(kind.value, n) for kind, n in result.records.items()],
            per_year=result.incidents_per_year,
            counts=counts,
        )

    @routes.get("/incidents", response_class=HTMLResponse)
    def incidents(request: Request, period: str = "", place: str = "") -> Response:
        session = site.session(request)
        filters = ListFilters(period=period.strip() or None, place=place.strip() or None)
        with session.lock:
            try:
                views = list_records(workspace(session), RecordKind.INCIDENT, filters)
            except (DomainError, NotFound) as error:
                return site.render(
                    request,
                    "incidents.html",
                    session,
                    400,
                    error=str(error),
                    rows=[],
                    period=period,
                    place=place,
                )
        rows = [v.record for v in views if isinstance(v.record, Incident)][:PAGE_SIZE]
        return site.render(
            request, "incidents.html", session, rows=rows, period=period, place=place, error=None
        )

    return routes
