"""Recording use cases: add, edit, delete and read records, every change a new version."""

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any

from vigil.domain.codes import RecordKind, kind_of, new_code, normalise_code
from vigil.domain.errors import DomainError
from vigil.domain.records import KIND_OF_RECORD, Claim, Person, Record
from vigil.services import person_search
from vigil.services.codec import from_dict, to_dict
from vigil.services.rules import check_terms, references
from vigil.services.stored import RecordView, open_sealed, sealed_keys, to_stored, to_view
from vigil.services.workspace import DEFAULT_COMPARTMENT, NotFound, Workspace


def _fresh_code(ws: Workspace, kind: RecordKind) -> str:
    while True:
        code = new_code(kind)
        if not ws.store.known([code]):
            return code


def check_references(ws: Workspace, record: Record, pending: Iterable[str] = ()) -> None:
    """Fail if the record names a record that does not exist (or is not about to)."""
    named = dict(references(record))
    wanted = {code for _, code in references(record)}
    missing = wanted - ws.store.existing(wanted) - set(pending)
    for field, code in named.items():
        if code in missing:
            raise DomainError(f"{field}: no record {code}")
    for code in sorted(missing):
        raise DomainError(f"{KIND_OF_RECORD[type(record)].value}: no record {code}")


def source_kind_of(ws: Workspace, record: Record) -> str | None:
    """Return the kind of the source a claim cites (None for other records)."""
    if not isinstance(record, Claim):
        return None
    stored = ws.store.get(record.source)
    return None if stored is None else str(stored.data["kind"])


def _place_excerpt(ws: Workspace, claim: Claim) -> Claim:
    """Fill in where the excerpt stands in the source text; it must be found there."""
    if not claim.excerpt:
        return claim
    stored = ws.store.get(claim.source)
    if stored is None:
        return claim
    content = stored.data.get("content")
    if content is None and stored.sealed is not None:
        content = open_sealed(stored, ws.cipher_for(stored.compartment)).get("content")
    if not content:
        return claim
    start = claim.excerpt_start
    if start is not None and content.startswith(claim.excerpt, start):
        return claim  # the reader chose this occurrence (the excerpt may occur more than once)
    position = content.find(claim.excerpt)
    if position < 0:
        raise DomainError(f"claim excerpt: not found in the text of source {claim.source}")
    return dataclasses.replace(claim, excerpt_start=position)


def prepare(ws: Workspace, record: Record, pending: Iterable[str] = ()) -> Record:
    """Check a record's terms and references and complete derived fields."""
    check_terms(ws.vocabularies, record)
    check_references(ws, record, pending)
    if isinstance(record, Claim):
        record = _place_excerpt(ws, record)
    return record


def add_record(ws: Workspace, draft: Record, compartment: str = DEFAULT_COMPARTMENT) -> str:
    """Store a new record in a compartment (its code is assigned here) and return its code.

    The author must be allowed to write and be a member of the compartment.
    """
    ws.require("record.write")
    cipher = ws.cipher_for(compartment)
    kind = KIND_OF_RECORD[type(draft)]
    with ws.store.transaction():
        record = prepare(ws, dataclasses.replace(draft, code=_fresh_code(ws, kind)))
        secret = sealed_keys(ws.vocabularies, record, source_kind_of(ws, record))
        stored = to_stored(record, 1, secret, cipher, compartment=compartment)
        ws.store.add([stored], ws.timestamp())
        if isinstance(record, Person):
            person_search.index_identity(ws, record.code, record.identity, compartment)
        ws.record_event("create", record.code, {"kind": kind.value, "compartment": compartment})
    return record.code


def current(ws: Workspace, code: str) -> Any:
    """Return the current stored record, or NotFound: also when its compartment is not the
    reader's, so that a non-member learns nothing, not even that the record exists."""
    stored = ws.store.get(normalise_code(code))
    if stored is None or not ws.can_read(stored.compartment):
        raise NotFound(f"no record {normalise_code(code)}")
    return stored


def show(ws: Workspace, code: str, reveal: bool = False) -> RecordView:
    """Return a record; its sealed part is opened only when reveal is asked and allowed."""
    ws.require("record.read")
    stored = current(ws, code)
    if reveal and stored.sealed:
        ws.require("sealed.reveal")
        view = to_view(stored, ws.cipher_for(stored.compartment))
        ws.record_event("reveal", stored.code, {"kind": stored.kind.value})
        return view
    return to_view(stored, None)


def _parse_change(field: str, old: Any, raw: str) -> Any:
    """Read a typed value as the field's old value suggests; an error names the field, never
    the value (which may be a sealed one)."""
    if raw == "":
        return None
    if raw[:1] in "[{" or raw in ("null", "true", "false"):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise DomainError(f"the new value of {field!r} is not valid JSON") from None
    if isinstance(old, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(old, int | float) and not isinstance(old, bool):
        try:
            return type(old)(raw)
        except ValueError:
            raise DomainError(f"the new value of {field!r} is not a number") from None
    return raw


def edit_record(
    ws: Workspace,
    code: str,
    changes: Mapping[str, Any],
    note: str | None = None,
    *,
    parsed: bool = False,
) -> int:
    """Write a new version of a record with the given fields changed; return its number.

    Changes are text as typed on the command line, or, with ``parsed``, values already in the
    record's dictionary form (as a web form builds them).
    """
    ws.require("record.write")
    with ws.store.transaction():
        stored = current(ws, code)
        cipher = ws.cipher_for(stored.compartment)
        data = dict(stored.data)
        if stored.sealed:
            data.update(open_sealed(stored, cipher))
        for field, raw in changes.items():
            if field == "code" or (field not in data and field not in _fields(stored.kind)):
                raise DomainError(f"{stored.kind.value} has no field {field!r} to edit")
            data[field] = raw if parsed else _parse_change(field, data.get(field), raw)
        record = prepare(ws, from_dict(stored.kind, data))
        secret = sealed_keys(ws.vocabularies, record, source_kind_of(ws, record))
        new = to_stored(record, stored.version + 1, secret, cipher, compartment=stored.compartment)
        ws.store.replace(new, ws.timestamp(), note)
        if isinstance(record, Person):
            person_search.index_identity(ws, record.code, record.identity, stored.compartment)
        ws.record_event(
            "update", new.code, {"fields": ",".join(sorted(changes)), "version": str(new.version)}
        )
    return new.version


def _fields(kind: RecordKind) -> set[str]:
    record_type = next(t for t, k in KIND_OF_RECORD.items() if k is kind)
    return {f.name for f in dataclasses.fields(record_type)}


def delete_record(ws: Workspace, code: str, reason: str | None = None) -> None:
    """Record the deletion of a record; its history stays answerable."""
    ws.require("record.delete")
    with ws.store.transaction():
        stored = current(ws, code)
        pointing = ws.store.referring(stored.code)
        if pointing:
            raise DomainError(
                f"{stored.code} is still named by {', '.join(sorted(pointing)[:5])}; "
                "edit or delete those first"
            )
        ws.store.remove(stored.kind, stored.code, ws.timestamp(), reason)
        if stored.kind is RecordKind.PERSON:
            person_search.unindex_person(ws.store, stored.code)
        ws.record_event("delete", stored.code, {"kind": stored.kind.value})


def full_dict(record: Record) -> dict[str, Any]:
    """Return a record as a dictionary, for display and JSON output."""
    return to_dict(record)


def kind_of_code(code: str) -> RecordKind:
    return kind_of(code)
