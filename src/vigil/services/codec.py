"""Records to plain dictionaries and back: the form of the store's data column and of exports."""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from vigil.domain.codes import RecordKind
from vigil.domain.counts import CountValue, Qualifier, parse_qualifier
from vigil.domain.dates import UncertainDate
from vigil.domain.errors import DomainError
from vigil.domain.records import (
    Act,
    Claim,
    Consent,
    CountClaim,
    GroupVictim,
    Identity,
    Incident,
    IncidentRelation,
    Organisation,
    Perpetrator,
    Person,
    Place,
    Record,
    Source,
)
from vigil.services.dates import parse_date, parse_optional_date


def _encode(value: Any) -> Any:
    if isinstance(value, UncertainDate):
        return value.text
    if isinstance(value, CountValue):
        return {"qualifier": value.qualifier.value, "low": value.low, "high": value.high}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def to_dict(record: Record) -> dict[str, Any]:
    """Return every field of a record as JSON-ready values (dates as EDTF text)."""
    encoded: dict[str, Any] = _encode(record)
    return encoded


def count_from_dict(data: Mapping[str, Any]) -> CountValue:
    """Return the count encoded as ``{qualifier, low, high}``."""
    return CountValue(parse_qualifier(str(data["qualifier"])), int(data["low"]), int(data["high"]))


def _strs(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name) or []
    if not isinstance(value, list | tuple):
        raise DomainError(f"{name}: expected a list")
    return tuple(str(v) for v in value)


def _opt(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    return None if value is None or value == "" else str(value)


def _float(data: Mapping[str, Any], name: str) -> float | None:
    value = data.get(name)
    return None if value is None or value == "" else float(value)


def _place(d: Mapping[str, Any]) -> Place:
    return Place(
        code=d["code"],
        name=d["name"],
        kind=d["kind"],
        names=dict(d.get("names") or {}),
        parent=_opt(d, "parent"),
        lat=_float(d, "lat"),
        lon=_float(d, "lon"),
    )


def _organisation(d: Mapping[str, Any]) -> Organisation:
    return Organisation(
        code=d["code"],
        name=d["name"],
        kind=d["kind"],
        names=dict(d.get("names") or {}),
        parent=_opt(d, "parent"),
    )


def _identity(d: Mapping[str, Any] | None) -> Identity | None:
    if d is None:
        return None
    return Identity(
        names=_strs(d, "names"),
        aliases=_strs(d, "aliases"),
        birth_date=_opt(d, "birth_date"),
        contacts=_strs(d, "contacts"),
        documents=_strs(d, "documents"),
    )


def _consent(d: Mapping[str, Any]) -> Consent:
    return Consent(
        use=d["use"],
        given_on=parse_date(d["given_on"]),
        revoked_on=parse_optional_date(d.get("revoked_on")),
    )


def _person(d: Mapping[str, Any]) -> Person:
    return Person(
        code=d["code"],
        description=d.get("description") or "",
        sex=_opt(d, "sex"),
        gender_identity=_opt(d, "gender_identity"),
        sexual_orientation=_opt(d, "sexual_orientation"),
        consents=tuple(_consent(c) for c in d.get("consents") or []),
        identity=_identity(d.get("identity")),
    )


def _source(d: Mapping[str, Any]) -> Source:
    return Source(
        code=d["code"],
        kind=d["kind"],
        title=d["title"],
        publisher=_opt(d, "publisher"),
        author=_opt(d, "author"),
        language=_opt(d, "language"),
        published_on=parse_optional_date(d.get("published_on")),
        url=_opt(d, "url"),
        reliability=_opt(d, "reliability"),
        credibility=_opt(d, "credibility"),
        access_level=d.get("access_level") or "public",
        content=_opt(d, "content"),
    )


def _count_claim(d: Mapping[str, Any] | None) -> CountClaim | None:
    if d is None:
        return None
    return CountClaim(
        quantity=d["quantity"],
        value=count_from_dict(d["value"]),
        as_of=parse_date(d["as_of"]),
        period=parse_optional_date(d.get("period")),
        place=_opt(d, "place"),
    )


def _claim(d: Mapping[str, Any]) -> Claim:
    start = d.get("excerpt_start")
    return Claim(
        code=d["code"],
        source=d["source"],
        excerpt=d.get("excerpt") or "",
        excerpt_start=None if start is None else int(start),
        attributed_to=_opt(d, "attributed_to"),
        supports=_strs(d, "supports"),
        count=_count_claim(d.get("count")),
        superseded_by=_opt(d, "superseded_by"),
    )


def _incident(d: Mapping[str, Any]) -> Incident:
    related = tuple(
        IncidentRelation(relation=r["relation"], incident=r["incident"])
        for r in d.get("related") or []
    )
    return Incident(
        code=d["code"],
        title=d["title"],
        period=parse_optional_date(d.get("period")),
        places=_strs(d, "places"),
        description=d.get("description") or "",
        status=d.get("status") or "alleged",
        part_of=_opt(d, "part_of"),
        related=related,
    )


def _act(d: Mapping[str, Any]) -> Act:
    group = d.get("victim_group")
    victim_group = (
        None
        if group is None
        else GroupVictim(
            count=count_from_dict(group["count"]), description=group.get("description") or ""
        )
    )
    perpetrators = tuple(
        Perpetrator(
            involvement=p["involvement"],
            person=_opt(p, "person"),
            organisation=_opt(p, "organisation"),
            perpetrator_type=_opt(p, "perpetrator_type"),
        )
        for p in d.get("perpetrators") or []
    )
    return Act(
        code=d["code"],
        incident=d["incident"],
        type=d["type"],
        victim_person=_opt(d, "victim_person"),
        victim_group=victim_group,
        perpetrators=perpetrators,
        methods=_strs(d, "methods"),
        place=_opt(d, "place"),
        period=parse_optional_date(d.get("period")),
        victim_status=_opt(d, "victim_status"),
        legal=_strs(d, "legal"),
    )


_DECODERS: dict[RecordKind, Callable[[Mapping[str, Any]], Record]] = {
    RecordKind.PLACE: _place,
    RecordKind.ORGANISATION: _organisation,
    RecordKind.PERSON: _person,
    RecordKind.SOURCE: _source,
    RecordKind.CLAIM: _claim,
    RecordKind.INCIDENT: _incident,
    RecordKind.ACT: _act,
}


def from_dict(kind: RecordKind, data: Mapping[str, Any]) -> Record:
    """Rebuild a record from its dictionary, validating it; errors name the field at fault."""
    try:
        return _DECODERS[kind](data)
    except KeyError as missing:
        raise DomainError(f"{kind.value}: field {missing.args[0]!r} is missing") from None
    except (TypeError, AttributeError, ValueError) as error:
        if isinstance(error, DomainError):
            raise
        raise DomainError(f"{kind.value}: a field has the wrong type ({error})") from None


QUALIFIERS = tuple(q.value for q in Qualifier)
