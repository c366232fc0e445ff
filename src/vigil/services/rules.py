"""Which vocabulary codes each field, and which records each record may refer to."""

from collections.abc import Iterator

from vigil.domain.records import (
    Act,
    Claim,
    Incident,
    Organisation,
    Person,
    Place,
    Record,
    Source,
)
from vigil.services.vocabularies import Vocabularies


def coded_fields(record: Record) -> Iterator[tuple[str, str | None, str]]:
    """Yield (vocabulary, value, field) for every coded value of a record."""
    match record:
        case Place():
            yield "place-kind", record.kind, "kind"
        case Organisation():
            yield "organisation-kind", record.kind, "kind"
        case Person():
            yield "sex", record.sex, "sex"
            yield "gender-identity", record.gender_identity, "gender_identity"
            yield "sexual-orientation", record.sexual_orientation, "sexual_orientation"
            for consent in record.consents:
                yield "consent-use", consent.use, "consents.use"
        case Source():
            yield "source-kind", record.kind, "kind"
            yield "reliability", record.reliability, "reliability"
            yield "credibility", record.credibility, "credibility"
        case Claim():
            if record.count is not None:
                yield "quantity", record.count.quantity, "count.quantity"
        case Incident():
            yield "incident-status", record.status, "status"
            for link in record.related:
                yield "incident-relation", link.relation, "related.relation"
        case Act():
            yield "act-type", record.type, "type"
            for method in record.methods:
                yield "method", method, "methods"
            for perpetrator in record.perpetrators:
                yield "involvement", perpetrator.involvement, "perpetrators.involvement"
                yield "perpetrator-type", perpetrator.perpetrator_type, "perpetrators.type"
            yield "victim-status", record.victim_status, "victim_status"
            for article in record.legal:
                yield "legal-article", article, "legal"


def check_terms(vocabularies: Vocabularies, record: Record) -> None:
    """Fail on the first coded value that its vocabulary does not know."""
    for vocabulary, value, field in coded_fields(record):
        vocabularies.check(vocabulary, value, field)


def references(record: Record) -> Iterator[tuple[str, str]]:
    """Yield (field, code) for every other record this record names."""
    match record:
        case Place() | Organisation():
            if record.parent:
                yield "parent", record.parent
        case Source():
            if record.publisher:
                yield "publisher", record.publisher
        case Claim():
            yield "source", record.source
            for code in record.supports:
                yield "supports", code
            if record.superseded_by:
                yield "superseded_by", record.superseded_by
            if record.count is not None and record.count.place:
                yield "count.place", record.count.place
        case Incident():
            for place in record.places:
                yield "places", place
            if record.part_of:
                yield "part_of", record.part_of
            for link in record.related:
                yield "related", link.incident
        case Act():
            yield "incident", record.incident
            if record.victim_person:
                yield "victim_person", record.victim_person
            for perpetrator in record.perpetrators:
                yield "perpetrators", perpetrator.person or perpetrator.organisation or ""
            if record.place:
                yield "place", record.place
        case Person():
            return


TESTIMONY = "testimony"


def is_testimony(vocabularies: Vocabularies, source_kind: str) -> bool:
    """Tell whether a source kind is testimony, whose text is sealed."""
    return source_kind in vocabularies["source-kind"].descendants(TESTIMONY)
