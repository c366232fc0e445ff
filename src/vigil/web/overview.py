"""The dashboard (counts side by side, a timeline, a work queue) and the incidents list."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from vigil.domain.codes import RecordKind
from vigil.domain.records import Claim, Incident, Place
from vigil.services.querying import (
    MAX_PAGE,
    InvalidFilter,
    ListFilters,
    list_records,
    overview,
)
from vigil.services.workspace import Workspace
from vigil.web.records import KIND_LABELS
from vigil.web.sessions import WebSession
from vigil.web.site import Site, workspace

PAGE_SIZE = 50
QUEUE_SIZE = 10
COUNTS_PER_QUANTITY = 10
# The status of an incident nobody has checked yet: the first thing a reviewer looks at.
TO_CHECK = "alleged"
# What the filter form sends, in the order the form shows them.
FILTERS = ("text", "period", "place", "act_type", "status", "source", "compartment")


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the timeline, in the SVG's own units."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    tick: bool

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


def _filter_names(site: Site, request: Request) -> dict[str, str]:
    g = site.gettext
    return {
        "text": g(request, "Words"),
        "period": g(request, "Period (EDTF)"),
        "place": g(request, "Place"),
        "act-type": g(request, "Act type"),
        "status": g(request, "Status"),
        "source": g(request, "Source code"),
        "compartment": g(request, "Compartment"),
        "page": g(request, "Page"),
    }


INDENT = "\u00a0\u00a0"  # two no-break spaces a level, in the place select


@dataclass(frozen=True, slots=True)
class PlaceTree:
    """The readable places as select options, their names, and the options' markup."""

    options: list[Option]
    names: dict[str, str]
    markup: Markup

    def select(self, chosen: str) -> Markup:
        """The options with the chosen place selected (values are escaped: one replace)."""
        if not chosen:
            return self.markup
        option = Markup('<option value="{}">').format(chosen)
        selected = Markup('<option value="{}" selected>').format(chosen)
        return self.markup.replace(option, selected, 1)


def _kept_places(session: WebSession, ws: Workspace, language: str) -> PlaceTree:
    """The place tree, read and drawn again only after the store has changed: every page of
    incidents offers it, and reading and drawing every place costs more than the page's query."""
    key = ("places", language, tuple(ws.readable), ws.store.last_change())
    found = session.kept.get(key)
    if not isinstance(found, PlaceTree):
        session.kept = {k: v for k, v in session.kept.items() if k[:2] != key[:2]}
        options, names = _places(ws, language)
        markup = Markup("").join(
            Markup('<option value="{}">{}{}</option>\n').format(o.value, INDENT * o.depth, o.label)
            for o in options
        )
        found = session.kept[key] = PlaceTree(options, names, markup)
    return found


def _places(ws: Workspace, language: str) -> tuple[list[Option], dict[str, str]]:
    """Every readable place as a tree (parents before children) and each place's name."""
    views = list_records(ws, RecordKind.PLACE, ListFilters(limit=MAX_PAGE))
    places = [v.record for v in views if isinstance(v.record, Place)]
    names = {p.code: p.names.get(language) or p.name for p in places}
    children: dict[str | None, list[Place]] = {}
    for p in places:
        parent = p.parent if p.parent in names else None
        children.setdefault(parent, []).append(p)
    options: list[Option] = []
    stack = [(p, 0) for p in sorted(children.get(None, []), key=lambda p: names[p.code])][::-1]
    while stack:
        current, depth = stack.pop()
        options.append(Option(current.code, names[current.code], depth))
        below = sorted(children.get(current.code, []), key=lambda p: names[p.code])
        stack.extend((p, depth + 1) for p in reversed(below))
    return options, names


def _terms(ws: Workspace, vocabulary: str, language: str) -> list[Option]:
    terms = ws.vocabularies[vocabulary]
    return [Option(t.code, t.label(language), terms.depth(t.code)) for t in terms.walk()]


def timeline(per_year: list[tuple[int, int]], width: float = 640, height: float = 160) -> list[Bar]:
    """Bars for incidents per year, every year from the first to the last (gaps as zero)."""
    if not per_year:
        return []
    counts = dict(per_year)
    years = list(range(min(counts), max(counts) + 1))
    highest = max(counts.values()) or 1
    step = width / len(years)
    every = max(1, round(len(years) / 10))
    bars = []
    for i, year in enumerate(years):
        n = counts.get(year, 0)
        tall = height * n / highest
        bars.append(
            Bar(
                str(year),
                n,
                round(i * step + step * 0.1, 2),
                round(height - tall, 2),
                round(step * 0.8, 2),
                round(tall, 2),
                i % every == 0,
            )
        )
    return bars


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    @routes.get("/", response_class=HTMLResponse)
    def dashboard(request: Request) -> Response:
        session = site.session(request)
        language = site.language(request)
        with session.lock:
            ws = workspace(session)
            result = overview(ws, per_quantity=COUNTS_PER_QUANTITY)
            quantities = {t.code: t.label(language) for t in ws.vocabularies["quantity"]}
            to_check = list_records(
                ws, RecordKind.INCIDENT, ListFilters(status=TO_CHECK, limit=QUEUE_SIZE + 1)
            )
            unlinked = list_records(
                ws, RecordKind.CLAIM, ListFilters(unlinked=True, limit=QUEUE_SIZE + 1)
            )
            status_label = ws.vocabularies["incident-status"].term(TO_CHECK).label(language)
        counts = [
            (quantities.get(quantity, quantity), lines)
            for quantity, lines in sorted(result.counts.items())
        ]
        return site.render(
            request,
            "dashboard.html",
            session,
            records=[
                (site.gettext(request, KIND_LABELS[kind]), n) for kind, n in result.records.items()
            ],
            per_year=result.incidents_per_year,
            bars=timeline(result.incidents_per_year),
            counts=counts,
            to_check=[v.record for v in to_check if isinstance(v.record, Incident)],
            unlinked=[v.record for v in unlinked if isinstance(v.record, Claim)],
            queue_size=QUEUE_SIZE,
            to_check_status=TO_CHECK,
            to_check_label=status_label,
        )

    @routes.get("/incidents", response_class=HTMLResponse)
    def incidents(request: Request) -> Response:
        session = site.session(request)
        language = site.language(request)
        given = {name: request.query_params.get(name, "").strip() for name in FILTERS}
        page_text = request.query_params.get("page", "1").strip() or "1"
        error = None
        page = 1
        if not page_text.isdigit() or int(page_text) < 1:
            error = ("page", site.gettext(request, "give a page number from 1"))
        else:
            page = int(page_text)
        filters = ListFilters(
            period=given["period"] or None,
            place=given["place"] or None,
            act_type=given["act_type"] or None,
            source=given["source"] or None,
            status=given["status"] or None,
            text=given["text"] or None,
            compartment=given["compartment"] or None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
            newest_first=True,
        )
        rows: list[Incident] = []
        with session.lock:
            ws = workspace(session)
            if error is None:
                try:
                    views = list_records(ws, RecordKind.INCIDENT, filters)
                    rows = [v.record for v in views if isinstance(v.record, Incident)]
                except InvalidFilter as wrong:
                    error = (wrong.filter, wrong.reason)
            place_tree = _kept_places(session, ws, language)
            act_types = _terms(ws, "act-type", language)
            statuses = _terms(ws, "incident-status", language)
            compartments = list(ws.readable)
        message = None
        if error is not None:
            name = _filter_names(site, request).get(error[0], error[0])
            message = site.gettext(request, "%(filter)s: %(reason)s", filter=name, reason=error[1])
        kept = {k: v for k, v in given.items() if v}
        context: dict[str, Any] = {
            "rows": rows[:PAGE_SIZE],
            "given": given,
            "error": message,
            "page": page,
            "previous_url": _url(kept, page - 1) if page > 1 and not message else None,
            "next_url": _url(kept, page + 1) if len(rows) > PAGE_SIZE else None,
            "place_names": place_tree.names,
            "status_labels": {o.value: o.label for o in statuses},
            "place_options": place_tree.select(given["place"]),
            "act_types": act_types,
            "statuses": statuses,
            "compartments": compartments,
            "first": (page - 1) * PAGE_SIZE + 1,
        }
        template = "lists/results.html" if request.headers.get("hx-request") else "incidents.html"
        return site.render(request, template, session, 400 if message else 200, **context)

    return routes


def _url(kept: dict[str, str], page: int) -> str:
    query = {**kept, "page": str(page)} if page > 1 else kept
    return "/incidents" + ("?" + urlencode(query) if query else "")
