"""Forms to create and edit records, and the vocabulary picker their coded fields use.

Every form is read by :mod:`vigil.web.record_forms` and stored through the recording services,
which check permissions, vocabularies and references and seal what must be sealed. Bad input
re-renders the form with what the user typed and one error naming the field; nothing is stored.
"""

import asyncio
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vigil.domain.codes import RecordKind, kind_of
from vigil.domain.errors import DomainError
from vigil.domain.records import Source
from vigil.services.codec import from_dict, to_dict
from vigil.services.querying import ListFilters, list_records
from vigil.services.recording import add_record, edit_record, show
from vigil.services.rules import is_testimony
from vigil.services.workspace import DEFAULT_COMPARTMENT, NotFound, Workspace
from vigil.web.i18n import N_ as _
from vigil.web.record_fields import (
    CHOICE_LABELS,
    DATE_HELP,
    DEFAULTS,
    FORMS,
    IDENTITY_FIELDS,
    SEALABLE,
    TITLES,
    field_of_error,
    fields_of,
)
from vigil.web.record_forms import FieldError, form_values, read_form
from vigil.web.sessions import WebSession
from vigil.web.site import Site, workspace

MAX_TERMS = 60


class _Invalid(Exception):
    """A form to show again, with one error about one field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _kind(name: str) -> RecordKind:
    try:
        return RecordKind(name)
    except ValueError:
        raise NotFound(f"there is no kind of record {name!r}") from None


def _source_text(ws: Workspace, code: str) -> dict[str, Any] | None:
    """The title and unsealed text of the source a claim quotes, to select the excerpt from."""
    if not code.strip():
        return None
    try:
        view = show(ws, code)
    except (DomainError, NotFound):
        return None
    if not isinstance(view.record, Source):
        return None
    return {
        "code": view.record.code,
        "title": view.record.title,
        "text": view.record.content,
        "sealed": view.sealed != "none" and view.record.content is None,
        "testimony": _is_testimony(ws, view.record.kind),
    }


def _vocabulary_terms(ws: Workspace, kind: RecordKind, language: str) -> dict[str, list[Any]]:
    """Every term of the vocabularies a form uses, for the fields' suggestion lists."""
    other = _other(language)
    found: dict[str, list[Any]] = {}
    for field in fields_of(kind).values():
        if field.vocabulary and field.vocabulary not in found:
            found[field.vocabulary] = [
                (t.code, t.label(language), t.label(other))
                for t in ws.vocabularies[field.vocabulary]
            ]
    return found


# kinds whose records a code field offers by name: few enough to list (persons and incidents
# are many, and a person's name is sealed)
CHOOSABLE = {RecordKind.PLACE, RecordKind.ORGANISATION, RecordKind.SOURCE}
MAX_CHOICES = 2_000


def _record_choices(ws: Workspace, kind: RecordKind, language: str) -> dict[str, list[Any]]:
    """For each code field of a form naming a place, an organisation or a source, the
    readable records of that kind as (code, name), for the field's suggestion list."""
    found: dict[str, list[Any]] = {}
    for field in fields_of(kind).values():
        wanted = field.code_kind
        if field.widget != "code" or wanted not in CHOOSABLE or wanted.value in found:
            continue
        views = list_records(ws, wanted, ListFilters(limit=MAX_CHOICES))
        found[wanted.value] = sorted(
            ((v.record.code, _name_of(v.record, language)) for v in views),
            key=lambda pair: pair[1].casefold(),
        )
    return found


def _name_of(record: Any, language: str) -> str:
    names = getattr(record, "names", None)
    if isinstance(names, dict) and names.get(language):
        return str(names[language])
    return str(getattr(record, "name", None) or getattr(record, "title", None) or record.code)


def _other(language: str) -> str:
    return "ru" if language == "en" else "en"


def router(site: Site) -> APIRouter:
    routes = APIRouter()

    def page(
        request: Request,
        session: WebSession,
        ws: Workspace,
        kind: RecordKind,
        values: Mapping[str, str],
        status: int = 200,
        invalid: _Invalid | None = None,
        code: str | None = None,
        compartment: str | None = None,
        sealed: str = "",
    ) -> Response:
        language = site.language(request)
        error = None
        if invalid is not None:
            label = fields_of(kind)[invalid.field].label if invalid.field in fields_of(kind) else ""
            if invalid.field == "compartment":
                label = _("Compartment")
            error = (
                f"{site.gettext(request, label)}: {invalid.message}" if label else invalid.message
            )
        source = _source_text(ws, values.get("source", "")) if kind is RecordKind.CLAIM else None
        values = _without_secrets(ws, kind, values, source)
        return site.render(
            request,
            "forms/record.html",
            session,
            status,
            kind=kind.value,
            heading=(
                site.gettext(request, TITLES[kind])
                if code is None
                else site.gettext(request, _("Edit %(code)s"), code=code)
            ),
            action=f"/records/new/{kind.value}" if code is None else f"/records/{code}/edit",
            code=code,
            sections=FORMS[kind],
            values=values,
            error=error,
            invalid=invalid.field if invalid else None,
            compartments=ws.readable,
            compartment=compartment or values.get("compartment") or _default(ws),
            terms=_vocabulary_terms(ws, kind, language),
            choices=_record_choices(ws, kind, language),
            choice_labels=CHOICE_LABELS,
            source=source,
            sealed=sealed,
            date_help=DATE_HELP,
            other_language=_other(language),
        )

    def invalid_of(request: Request, kind: RecordKind, error: Exception) -> _Invalid:
        if isinstance(error, _Invalid):
            return error
        if isinstance(error, FieldError):
            return _Invalid(error.field, site.gettext(request, error.message, **error.values))
        return _Invalid(field_of_error(kind, str(error)), str(error))

    @routes.get("/records/new", response_class=HTMLResponse)
    def choose_kind(request: Request) -> Response:
        session = site.session(request)
        with session.lock:
            workspace(session).require("record.write")
        kinds = [(kind.value, site.gettext(request, title)) for kind, title in TITLES.items()]
        return site.render(request, "forms/choose.html", session, kinds=kinds)

    @routes.get("/records/new/{kind_name}", response_class=HTMLResponse)
    def new_record_form(request: Request, kind_name: str) -> Response:
        kind = _kind(kind_name)
        session = site.session(request)
        with session.lock:
            ws = workspace(session)
            ws.require("record.write")
            values = dict(DEFAULTS.get(kind, {}))
            # A link may name the records this one refers to: the source of a claim, the
            # incident of an act. Nothing else is taken from the address.
            fields = fields_of(kind)
            for name, value in request.query_params.items():
                if name in fields and fields[name].widget in ("code", "codes") and value.strip():
                    values[name] = value.strip()
            return page(request, session, ws, kind, values)

    @routes.post("/records/new/{kind_name}", response_class=HTMLResponse)
    async def new_record(request: Request, kind_name: str) -> Response:
        kind = _kind(kind_name)
        form = await site.form(request)
        session = form.session

        def work() -> Response:
            with session.lock:
                ws = workspace(session)
                ws.require("record.write")
                compartment = form.get("compartment")
                try:
                    if compartment not in ws.readable:
                        raise _Invalid(
                            "compartment",
                            site.gettext(request, _("choose one of your compartments")),
                        )
                    data = read_form(kind, form.fields, ws.vocabularies)
                    draft = from_dict(kind, {"code": "", **data})
                    code = add_record(ws, draft, compartment)
                except (FieldError, DomainError, _Invalid) as error:
                    invalid = invalid_of(request, kind, error)
                    return page(request, session, ws, kind, form.fields, 400, invalid)
            return RedirectResponse(f"/records/{code}", status_code=303)

        return await asyncio.to_thread(work)

    @routes.get("/records/{code}/edit", response_class=HTMLResponse)
    def edit_record_form(request: Request, code: str) -> Response:
        session = site.session(request)
        with session.lock:
            ws = workspace(session)
            ws.require("record.write")
            view = show(ws, code)
            kind = kind_of(view.record.code)
            values = form_values(kind, to_dict(view.record))
            sealed = SEALABLE.get(kind, "") if view.sealed != "none" else ""
            if sealed in values:
                values[sealed] = ""
            return page(
                request,
                session,
                ws,
                kind,
                values,
                code=view.record.code,
                compartment=view.compartment,
                sealed=sealed,
            )

    @routes.post("/records/{code}/edit", response_class=HTMLResponse)
    async def edit(request: Request, code: str) -> Response:
        form = await site.form(request)
        session = form.session

        def work() -> Response:
            with session.lock:
                ws = workspace(session)
                ws.require("record.write")
                view = show(ws, code)
                kind = kind_of(view.record.code)
                canonical = view.record.code
                sealed_field = SEALABLE.get(kind, "") if view.sealed != "none" else ""
                try:
                    data = read_form(kind, form.fields, ws.vocabularies)
                    from_dict(kind, {"code": canonical, **data})
                    old = to_dict(view.record)
                    changes = {k: v for k, v in data.items() if v != old.get(k)}
                    if sealed_field and not data.get(sealed_field):
                        # a sealed field left empty keeps what it holds
                        changes.pop(sealed_field, None)
                        if kind is RecordKind.CLAIM:
                            changes.pop("excerpt_start", None)
                    if not changes:
                        raise _Invalid(None, site.gettext(request, _("Nothing was changed.")))
                    note = form.get("note").strip() or None
                    edit_record(ws, canonical, changes, note, parsed=True)
                except (FieldError, DomainError, _Invalid) as error:
                    return page(
                        request,
                        session,
                        ws,
                        kind,
                        form.fields,
                        400,
                        invalid_of(request, kind, error),
                        code=canonical,
                        compartment=view.compartment,
                        sealed=sealed_field,
                    )
            return RedirectResponse(f"/records/{canonical}", status_code=303)

        return await asyncio.to_thread(work)

    @routes.get("/vocabularies/{name}", response_class=HTMLResponse)
    def vocabulary(request: Request, name: str, q: str = "", field: str = "") -> Response:
        session = site.session(request)
        language = site.language(request)
        other = _other(language)
        with session.lock:
            ws = workspace(session)
            ws.require("record.read")
            try:
                found = ws.vocabularies[name]
            except DomainError:
                raise NotFound(f"there is no vocabulary {name!r}") from None
            matches = found.search(q.strip()) if q.strip() else list(found.walk())
        terms = [(t.code, t.label(language), t.label(other)) for t in matches[:MAX_TERMS]]
        fragment = request.headers.get("hx-request") == "true"
        return site.render(
            request,
            "forms/terms.html" if fragment else "forms/vocabulary.html",
            session,
            vocabulary=name,
            title=found.title(language),
            q=q,
            field=field if field.replace("_", "").isalnum() else "",
            terms=terms,
            more=len(matches) > MAX_TERMS,
            other_language=other,
        )

    return routes


def _without_secrets(
    ws: Workspace, kind: RecordKind, values: Mapping[str, str], source: dict[str, Any] | None
) -> dict[str, str]:
    """The values to show again: never an identity, a testimony or an excerpt of one."""
    shown = dict(values)
    hidden: tuple[str, ...] = ()
    if kind is RecordKind.PERSON:
        hidden = IDENTITY_FIELDS
    elif kind is RecordKind.SOURCE and _is_testimony(ws, values.get("kind", "")):
        hidden = ("content",)
    elif kind is RecordKind.CLAIM and (source is None or source["testimony"]):
        hidden = ("excerpt",)
    for name in hidden:
        shown[name] = ""
    return shown


def _is_testimony(ws: Workspace, kind: str) -> bool:
    try:
        return is_testimony(ws.vocabularies, kind.strip())
    except DomainError:
        return False


def _default(ws: Workspace) -> str:
    readable = ws.readable
    return DEFAULT_COMPARTMENT if DEFAULT_COMPARTMENT in readable or not readable else readable[0]
