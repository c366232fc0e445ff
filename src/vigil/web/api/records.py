"""The API's routes: records, the overview and vocabularies, over the same services as the CLI."""

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError
from vigil.services.codec import from_dict
from vigil.services.person_search import find_persons
from vigil.services.querying import ListFilters, list_records, overview
from vigil.services.recording import add_record, edit_record, full_dict, kind_of_code, show
from vigil.services.stored import RecordView
from vigil.services.workspace import NotFound, Workspace
from vigil.web.api.access import Access, bearer
from vigil.web.api.models import (
    CountLineOut,
    CountValueOut,
    Created,
    Edited,
    ErrorOut,
    Kind,
    OverviewOut,
    PersonMatches,
    PersonMatchOut,
    PersonQuery,
    RecordCreate,
    RecordOut,
    RecordPage,
    RecordPatch,
    TermOut,
    VocabularyOut,
    YearCount,
)

MAX_LIMIT = 500
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "The request is invalid."),
        (401, "No valid API token."),
        (403, "The token's scope or its user's role does not allow this."),
        (404, "No such record (or none this token may see)."),
        (429, "Too many requests: wait for the seconds in Retry-After."),
    )
}


def record_out(view: RecordView) -> RecordOut:
    fields = full_dict(view.record)
    code = str(fields.pop("code"))
    return RecordOut(
        code=code,
        kind=kind_of_code(code).value,
        version=view.version,
        compartment=view.compartment,
        sealed=view.sealed,  # type: ignore[arg-type]
        fields=fields,
    )


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def router(access: Access) -> APIRouter:
    routes = APIRouter(responses=ERRORS)

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Iterator[Workspace]:
        yield from access.workspace(request, credentials)

    Caller = Annotated[Workspace, Depends(caller)]

    @routes.get("/records", response_model=RecordPage, summary="List records of one kind")
    def records(
        ws: Caller,
        kind: Kind = "incident",
        period: Annotated[str | None, Query(max_length=100)] = None,
        place: Annotated[str | None, Query(max_length=32)] = None,
        act_type: Annotated[str | None, Query(max_length=100)] = None,
        source: Annotated[str | None, Query(max_length=32)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> RecordPage:
        filters = ListFilters(
            period=period or None,
            place=place or None,
            act_type=act_type or None,
            source=source or None,
            limit=limit,
            offset=offset,
        )
        views = list_records(ws, RecordKind(kind), filters)
        return RecordPage(records=[record_out(v) for v in views], limit=limit, offset=offset)

    @routes.get("/records/{code}", response_model=RecordOut, summary="Show one record")
    def record(
        ws: Caller,
        code: Annotated[str, Path(max_length=32)],
        reveal: Annotated[
            bool,
            Query(
                description="Open the sealed part (identity, testimony): needs a token made "
                "with reveal and a role that may reveal; every opening is audited."
            ),
        ] = False,
    ) -> RecordOut:
        return record_out(show(ws, code, reveal=reveal))

    @routes.post(
        "/records", response_model=Created, status_code=201, summary="Add a record (read-write)"
    )
    def create(ws: Caller, body: RecordCreate) -> Created:
        ws.require("record.write")
        draft = from_dict(RecordKind(body.kind), {**body.fields, "code": ""})
        code = add_record(ws, draft, body.compartment)
        return Created(code=code, version=1)

    @routes.patch(
        "/records/{code}", response_model=Edited, summary="Change fields of a record (read-write)"
    )
    def edit(ws: Caller, code: Annotated[str, Path(max_length=32)], body: RecordPatch) -> Edited:
        changes = {name: _raw(value) for name, value in body.changes.items()}
        version = edit_record(ws, code, changes, body.note)
        return Edited(code=show(ws, code).record.code, version=version)

    @routes.post("/persons/find", response_model=PersonMatches, summary="Find persons by name")
    def find(ws: Caller, body: PersonQuery) -> PersonMatches:
        result = find_persons(ws, body.name, body.limit, body.reveal)
        return PersonMatches(
            matches=[
                PersonMatchOut(
                    code=m.code,
                    compartment=m.compartment,
                    score=m.score,
                    exact=m.exact,
                    phonetic=m.phonetic,
                    names=list(m.names),
                )
                for m in result.matches
            ],
            checked=result.checked,
            complete=result.complete,
        )

    @routes.get("/overview", response_model=OverviewOut, summary="Counts and incidents per year")
    def summary(ws: Caller) -> OverviewOut:
        result = overview(ws)
        counts: dict[str, list[CountLineOut]] = {}
        for quantity, lines in result.counts.items():
            for line in lines:
                count = line.claim.count
                if count is None:
                    continue
                counts.setdefault(quantity, []).append(
                    CountLineOut(
                        claim=line.claim.code,
                        source=line.claim.source,
                        source_title=line.source.title if line.source else None,
                        value=CountValueOut(
                            qualifier=count.value.qualifier.value,
                            low=count.value.low,
                            high=count.value.high,
                        ),
                        as_of=count.as_of.text,
                        period=count.period.text if count.period else None,
                        place=count.place,
                        current=line.current,
                    )
                )
        return OverviewOut(
            records={kind.value: n for kind, n in result.records.items()},
            incidents_per_year=[
                YearCount(year=year, incidents=n) for year, n in result.incidents_per_year
            ],
            counts=counts,
        )

    @routes.get(
        "/vocabularies/{name}", response_model=VocabularyOut, summary="The terms of a vocabulary"
    )
    def vocabulary(ws: Caller, name: str) -> VocabularyOut:
        ws.require("record.read")
        try:
            found = ws.vocabularies[name]
        except DomainError:
            raise NotFound(f"no vocabulary {name!r}") from None
        return VocabularyOut(
            name=found.ident,
            titles=dict(found.titles),
            terms=[
                TermOut(code=t.code, labels=dict(t.labels), parent=t.parent, notes=dict(t.notes))
                for t in found
            ],
        )

    return routes
