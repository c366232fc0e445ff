"""Records to plain dictionaries and back, as the store and exports hold them."""

import json
from typing import Any

import pytest

from vigil.domain.codes import RecordKind
from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.errors import DomainError, InvalidCount, InvalidDate
from vigil.domain.records import (
    KIND_OF_RECORD,
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
from vigil.services.codec import from_dict, to_dict
from vigil.services.dates import parse_date

SAMPLES: list[Record] = [
    Place(
        "L-7KQ2XM",
        "Argun",
        "town",
        names={"ru": "Аргун", "ce": "Ӏаьргӏа"},
        parent="L-3H4J5K",
        lat=43.29,
        lon=45.87,
    ),
    Place("L-3H4J5K", "Chechnya", "region"),
    Organisation(
        "O-7KQ2XM", "Ministry of Internal Affairs", "state-body", {"ru": "МВД"}, "O-3H4J5K"
    ),
    Person(
        "P-7KQ2XM",
        description="A man detained in Argun",
        sex="male",
        sexual_orientation="gay",
        consents=(
            Consent("publication", parse_date("2017-05-02"), parse_date("2018-01~")),
            Consent("sharing-with-partners", parse_date("2017-05")),
        ),
        identity=Identity(
            names=("Иван Петров", "Ivan Petrov"),
            aliases=("Vanya",),
            birth_date="1990-XX-XX",
            contacts=("+7 900 000 00 00",),
            documents=("passport 0000 000000",),
        ),
    ),
    Person("P-3H4J5K"),
    Source(
        "S-7KQ2XM",
        "article",
        "Murder of honour in Chechnya",
        publisher="O-3H4J5K",
        author="E. Milashina",
        language="ru",
        published_on=parse_date("2017-04-01"),
        url="https://example.org/article",
        reliability="b",
        credibility="2",
        access_level="restricted",
        content="Text of the article.",
    ),
    Source("S-3H4J5K", "testimony", "Testimony of a survivor"),
    Claim(
        "C-7KQ2XM",
        "S-7KQ2XM",
        excerpt="more than 100 men were detained",
        excerpt_start=0,
        attributed_to="P-3H4J5K",
        supports=("I-7KQ2XM", "A-7KQ2XM"),
        count=CountClaim(
            "detained",
            CountValue.single(Qualifier.MORE_THAN, 100),
            as_of=parse_date("2017-04-01"),
            period=parse_date("2017-02/2017-03"),
            place="L-7KQ2XM",
        ),
        superseded_by="C-3H4J5K",
    ),
    Claim("C-3H4J5K", "S-3H4J5K"),
    Incident(
        "I-7KQ2XM",
        "Detentions in Argun",
        period=parse_date("2017-02/.."),
        places=("L-7KQ2XM", "L-3H4J5K"),
        description="Men detained in a former military base.",
        status="corroborated",
        part_of="I-3H4J5K",
        related=(IncidentRelation("precedes", "I-9ABCDE"),),
    ),
    Incident("I-3H4J5K", "Wave of persecution"),
    Act(
        "A-7KQ2XM",
        "I-7KQ2XM",
        "torture",
        victim_person="P-7KQ2XM",
        perpetrators=(
            Perpetrator("direct", person="P-3H4J5K", perpetrator_type="police"),
            Perpetrator("command", organisation="O-7KQ2XM"),
        ),
        methods=("electric-shock", "beating"),
        place="L-7KQ2XM",
        period=parse_date("2017-03-16/2017-03-28"),
        victim_status="released",
        legal=("ru-cc-286",),
    ),
    Act(
        "A-3H4J5K",
        "I-7KQ2XM",
        "arbitrary-detention",
        victim_group=GroupVictim(CountValue.between(20, 40), "men from Argun"),
    ),
]


def _id(record: Record) -> str:
    return f"{type(record).__name__}-{record.code}"


@pytest.mark.parametrize("record", SAMPLES, ids=_id)
def test_record_survives_a_round_trip_through_its_dictionary(record: Record) -> None:
    assert from_dict(KIND_OF_RECORD[type(record)], to_dict(record)) == record


@pytest.mark.parametrize("record", SAMPLES, ids=_id)
def test_record_dictionary_survives_json(record: Record) -> None:
    data = json.loads(json.dumps(to_dict(record), ensure_ascii=False))
    assert from_dict(KIND_OF_RECORD[type(record)], data) == record


def test_samples_cover_every_kind_of_record() -> None:
    assert {KIND_OF_RECORD[type(record)] for record in SAMPLES} == set(RecordKind)


def test_dates_are_written_as_their_edtf_text() -> None:
    data = to_dict(SAMPLES[-2])
    assert data["period"] == "2017-03-16/2017-03-28"


def test_counts_are_written_with_qualifier_low_and_high() -> None:
    data = to_dict(SAMPLES[-1])
    assert data["victim_group"]["count"] == {"qualifier": "range", "low": 20, "high": 40}


def _data(kind: RecordKind) -> dict[str, Any]:
    return to_dict(next(r for r in SAMPLES if KIND_OF_RECORD[type(r)] is kind))


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (RecordKind.PLACE, "name"),
        (RecordKind.ORGANISATION, "kind"),
        (RecordKind.PERSON, "code"),
        (RecordKind.SOURCE, "title"),
        (RecordKind.CLAIM, "source"),
        (RecordKind.INCIDENT, "title"),
        (RecordKind.ACT, "incident"),
        (RecordKind.ACT, "type"),
    ],
)
def test_missing_field_is_refused_naming_the_kind_and_the_field(
    kind: RecordKind, field: str
) -> None:
    data = _data(kind)
    del data[field]
    with pytest.raises(DomainError, match=f"^{kind.value}: field '{field}' is missing"):
        from_dict(kind, data)


def test_missing_field_of_a_nested_count_claim_is_named() -> None:
    data = _data(RecordKind.CLAIM)
    del data["count"]["as_of"]
    with pytest.raises(DomainError, match=r"^claim: field 'as_of' is missing"):
        from_dict(RecordKind.CLAIM, data)


def test_missing_count_of_a_victim_group_is_named() -> None:
    data = to_dict(SAMPLES[-1])
    del data["victim_group"]["count"]
    with pytest.raises(DomainError, match=r"^act: field 'count' is missing"):
        from_dict(RecordKind.ACT, data)


def test_rule_broken_in_the_dictionary_is_refused_with_the_rule() -> None:
    data = to_dict(SAMPLES[-1])
    data["victim_person"] = "P-7KQ2XM"
    with pytest.raises(DomainError, match="not both"):
        from_dict(RecordKind.ACT, data)


def test_invalid_date_in_the_dictionary_is_refused_as_an_invalid_date() -> None:
    data = _data(RecordKind.INCIDENT)
    data["period"] = "2017-13"
    with pytest.raises(InvalidDate, match="2017-13"):
        from_dict(RecordKind.INCIDENT, data)


def test_invalid_count_in_the_dictionary_is_refused_as_an_invalid_count() -> None:
    data = to_dict(SAMPLES[-1])
    data["victim_group"]["count"] = {"qualifier": "range", "low": 40, "high": 20}
    with pytest.raises(InvalidCount, match="not ordered"):
        from_dict(RecordKind.ACT, data)


def test_list_field_given_as_text_is_refused_naming_the_field() -> None:
    data = _data(RecordKind.INCIDENT)
    data["places"] = "L-7KQ2XM"
    with pytest.raises(DomainError, match="places: expected a list"):
        from_dict(RecordKind.INCIDENT, data)


def test_field_of_the_wrong_type_is_refused_as_a_domain_error() -> None:
    data = _data(RecordKind.PLACE)
    data["lat"] = "north"
    with pytest.raises(DomainError, match=r"^place: a field has the wrong type"):
        from_dict(RecordKind.PLACE, data)


def test_optional_fields_may_be_left_out() -> None:
    place = from_dict(RecordKind.PLACE, {"code": "L-7KQ2XM", "name": "Argun", "kind": "town"})
    assert place == Place("L-7KQ2XM", "Argun", "town")
