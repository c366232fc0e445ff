"""Record pages: any record with its fields in the reader's language, an incident with its acts,
people, places and the claims of each source, every record's history, and revealing a sealed
section on purpose."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from vigil.domain.codes import RecordKind, kind_of, normalise_code
from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.errors import DomainError
from vigil.domain.records import Incident, Record
from vigil.services.codec import count_from_dict, to_dict
from vigil.services.history_view import HistoryEntry, record_history
from vigil.services.incident_view import incident_view
from vigil.services.mentions import mentions
from vigil.services.permissions import allows
from vigil.services.recording import show
from vigil.services.rules import references
from vigil.services.vocabularies import Vocabularies
from vigil.web.i18n import N_ as _
from vigil.web.sessions import WebSession
from vigil.web.site import Site, workspace

# The label of every field of every kind of record, by field name.
FIELD_LABELS = {
    "access_level": _("access level"),
    "act": _("act"),
    "aliases": _("aliases"),
    "as_of": _("as of"),
    "attributed_to": _("attributed to"),
    "author": _("author"),
    "birth_date": _("birth date"),
    "code": _("code"),
    "consents": _("consents"),
    "contacts": _("contacts"),
    "content": _("content"),
    "count": _("count"),
    "credibility": _("credibility"),
    "description": _("description"),
    "documents": _("documents"),
    "excerpt": _("excerpt"),
    "excerpt_start": _("excerpt position"),
    "gender_identity": _("gender identity"),
    "given_on": _("given on"),
    "identity": _("identity"),
    "incident": _("incident"),
    "involvement": _("involvement"),
    "kind": _("kind"),
    "language": _("language"),
    "lat": _("latitude"),
    "legal": _("legal qualification"),
    "lon": _("longitude"),
    "methods": _("methods"),
    "name": _("name"),
    "names": _("names"),
    "organisation": _("organisation"),
    "parent": _("part of"),
    "part_of": _("part of"),
    "period": _("period"),
    "perpetrator_type": _("perpetrator type"),
    "perpetrators": _("perpetrators"),
    "person": _("person"),
    "place": _("place"),
    "places": _("places"),
    "published_on": _("published on"),
    "publisher": _("publisher"),
    "quantity": _("quantity"),
    "related": _("related incidents"),
    "relation": _("relation"),
    "reliability": _("reliability"),
    "revoked_on": _("revoked on"),
    "sex": _("sex"),
    "sexual_orientation": _("sexual orientation"),
    "source": _("source"),
    "status": _("status"),
    "superseded_by": _("superseded by"),
    "supports": _("supports"),
    "title": _("title"),
    "type": _("type"),
    "url": _("address"),
    "use": _("use"),
    "value": _("value"),
    "victim_group": _("victims (group)"),
    "victim_person": _("victim"),
    "victim_status": _("victim's status after the act"),
}

KIND_LABELS = {
    RecordKind.SOURCE: _("Source"),
    RecordKind.CLAIM: _("Claim"),
    RecordKind.INCIDENT: _("Incident"),
    RecordKind.ACT: _("Act"),
    RecordKind.PERSON: _("Person"),
    RecordKind.ORGANISATION: _("Organisation"),
    RecordKind.PLACE: _("Place"),
}

QUALIFIER_LABELS = {
    Qualifier.EXACT: _("exactly"),
    Qualifier.AT_LEAST: _("at least"),
    Qualifier.MORE_THAN: _("more than"),
    Qualifier.ABOUT: _("about"),
    Qualifier.UP_TO: _("up to"),
    Qualifier.RANGE: _("between"),
}

CHANGE_LABELS = {"added": _("added"), "removed": _("removed"), "changed": _("changed")}
ACTION_LABELS = {"create": _("created"), "update": _("updated"), "delete": _("deleted")}

# Which vocabulary codes a field, by kind of record and dotted field path (lists unrolled).
VOCABULARY_OF: dict[RecordKind, dict[str, str]] = {
    RecordKind.PLACE: {"kind": "place-kind"},
    RecordKind.ORGANISATION: {"kind": "organisation-kind"},
    RecordKind.PERSON: {
        "sex": "sex",
        "gender_identity": "gender-identity",
        "sexual_orientation": "sexual-orientation",
        "consents.use": "consent-use",
    },
    RecordKind.SOURCE: {
        "kind": "source-kind",
        "reliability": "reliability",
        "credibility": "credibility",
    },
    RecordKind.CLAIM: {"count.quantity": "quantity"},
    RecordKind.INCIDENT: {"status": "incident-status", "related.relation": "incident-relation"},
    RecordKind.ACT: {
        "type": "act-type",
        "methods": "method",
        "perpetrators.involvement": "involvement",
        "perpetrators.perpetrator_type": "perpetrator-type",
        "victim_status": "victim-status",
        "legal": "legal-article",
    },
}


@dataclass(frozen=True, slots=True)
class Node:
    """A value as a page shows it: text, a link to a record, a list or labelled rows."""

    kind: str  # "text", "link", "list" or "rows"
    text: str = ""
    items: list["Node"] = field(default_factory=list)
    rows: list[tuple[str, "Node"]] = field(default_factory=list)


class Labels:
    """Turns codes into the reader's words: vocabulary terms, qualifiers, field names."""

    def __init__(
        self, vocabularies: Vocabularies, language: str, gettext: Callable[[str], str]
    ) -> None:
        self.vocabularies = vocabularies
        self.language = language
        self.gettext = gettext

    def term(self, vocabulary: str, code: str | None) -> str:
        if code is None:
            return ""
        terms = self.vocabularies[vocabulary]
        return terms.term(code).label(self.language) if code in terms else code

    def field(self, name: str) -> str:
        label = FIELD_LABELS.get(name)
        return self.gettext(label) if label else name.replace("_", " ")

    def count(self, value: CountValue) -> str:
        if value.qualifier is Qualifier.EXACT:
            return str(value.low)
        if value.qualifier is Qualifier.RANGE:
            return f"{value.low}–{value.high}"
        return f"{self.gettext(QUALIFIER_LABELS[value.qualifier])} {value.low}"

    def qualifier(self, value: CountValue) -> str:
        return self.gettext(QUALIFIER_LABELS[value.qualifier])

    def number(self, value: CountValue) -> str:
        return str(value.low) if value.low == value.high else f"{value.low}–{value.high}"

    def kind(self, code: str) -> str:
        try:
            return self.gettext(KIND_LABELS[kind_of(code)])
        except (KeyError, DomainError):
            return ""


def _is_count(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"qualifier", "low", "high"}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _node(value: Any, path: str, kind: RecordKind, codes: set[str], labels: Labels) -> Node:
    vocabulary = VOCABULARY_OF.get(kind, {}).get(path)
    if _is_count(value):
        return Node("text", labels.count(count_from_dict(value)))
    if isinstance(value, Mapping):
        rows = [
            (labels.field(str(key)), _node(item, f"{path}.{key}", kind, codes, labels))
            for key, item in value.items()
            if not _empty(item)
        ]
        return Node("rows", rows=rows)
    if isinstance(value, list | tuple):
        return Node("list", items=[_node(item, path, kind, codes, labels) for item in value])
    if isinstance(value, str) and vocabulary:
        return Node("text", labels.term(vocabulary, value))
    if isinstance(value, str) and value in codes:
        return Node("link", value)
    return Node("text", "" if value is None else str(value))


def field_rows(record: Record, labels: Labels) -> list[tuple[str, Node]]:
    """Every non-empty field of a record but its code, labelled, with terms in the reader's
    language and the records it names as links."""
    kind = kind_of(record.code)
    codes = {code for _, code in references(record)}
    return [
        (labels.field(name), _node(value, name, kind, codes, labels))
        for name, value in to_dict(record).items()
        if name != "code" and not _empty(value)
    ]


@dataclass(frozen=True, slots=True)
class ChangeRow:
    field: str
    change: str
    before: str
    after: str


def _shown(value: Any, labels: Labels) -> str:
    if _empty(value):
        return ""
    if isinstance(value, list):
        return ", ".join(_shown(item, labels) for item in value)
    if isinstance(value, Mapping):
        if _is_count(value):
            return labels.count(count_from_dict(value))
        return "; ".join(f"{labels.field(str(k))}: {_shown(v, labels)}" for k, v in value.items())
    return str(value)


def _change_rows(entry: HistoryEntry, labels: Labels) -> list[ChangeRow]:
    return [
        ChangeRow(
            " › ".join(labels.field(part) for part in change.field.split(".")),
            labels.gettext(CHANGE_LABELS[change.change]),
            _shown(change.before, labels),
            _shown(change.after, labels),
        )
        for change in entry.changes
    ]


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    def labels_for(request: Request, vocabularies: Vocabularies) -> Labels:
        return Labels(
            vocabularies, site.language(request), lambda text: site.gettext(request, text)
        )

    def record_page(request: Request, session: WebSession, code: str, reveal: bool) -> Response:
        with session.lock:
            ws = workspace(session)
            if reveal:
                ws.require("sealed.reveal")
            view = show(ws, code, reveal=reveal)
            page = incident_view(ws, code) if isinstance(view.record, Incident) else None
            named_in = None if page is not None else mentions(ws, code)
            labels = labels_for(request, ws.vocabularies)
            role = ws.actor.role if ws.actor else ""
        return site.render(
            request,
            "records/record.html",
            session,
            view=view,
            record=view.record,
            kind=kind_of(view.record.code).value,
            kind_label=labels.kind(view.record.code),
            rows=field_rows(view.record, labels),
            page=page,
            named_in=named_in,
            labels=labels,
            may_reveal=allows(role, "sealed.reveal"),
        )

    @routes.get("/records/{code}", response_class=HTMLResponse)
    def record(request: Request, code: str) -> Response:
        return record_page(request, site.session(request), code, reveal=False)

    @routes.post("/records/{code}/reveal", response_class=HTMLResponse)
    async def reveal(request: Request, code: str) -> Response:
        form = await site.form(request)
        return record_page(request, form.session, code, reveal=True)

    @routes.get("/records/{code}/history", response_class=HTMLResponse)
    def record_history_page(request: Request, code: str) -> Response:
        session = site.session(request)
        with session.lock:
            ws = workspace(session)
            rows = session.vigil.store if session.vigil is not None else None
            entries = record_history(ws, code, rows)
            labels = labels_for(request, ws.vocabularies)
        return site.render(
            request,
            "records/history.html",
            session,
            code=normalise_code(code),
            kind_label=labels.kind(code),
            entries=[(entry, _change_rows(entry, labels)) for entry in reversed(entries)],
            actions={k: site.gettext(request, v) for k, v in ACTION_LABELS.items()},
        )

    return routes
