"""The rules a record must keep before Vigil stores it."""

from collections.abc import Callable

import pytest

from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.errors import DomainError, InvalidCode, MissingField
from vigil.domain.records import (
    Act,
    Claim,
    CountClaim,
    GroupVictim,
    Incident,
    IncidentRelation,
    Organisation,
    Perpetrator,
    Place,
    Source,
)
from vigil.services.dates import parse_date

ACT = "A-7KQ2XM"
CLAIM = "C-7KQ2XM"
INCIDENT = "I-7KQ2XM"
ORGANISATION = "O-7KQ2XM"
PERSON = "P-7KQ2XM"
PLACE = "L-7KQ2XM"
SOURCE = "S-7KQ2XM"
GROUP = GroupVictim(CountValue.single(Qualifier.MORE_THAN, 100), "men detained in Argun")


def test_act_with_a_type_and_a_victim_person_is_valid() -> None:
    act = Act(ACT, INCIDENT, "torture", victim_person=PERSON)
    assert act.victim_person == PERSON


def test_act_with_a_victim_group_and_its_count_is_valid() -> None:
    act = Act(ACT, INCIDENT, "arbitrary-detention", victim_group=GROUP)
    assert act.victim_group is GROUP


@pytest.mark.parametrize("kind", ["", "   "])
def test_act_needs_a_type(kind: str) -> None:
    with pytest.raises(MissingField, match="act: type is required"):
        Act(ACT, INCIDENT, kind, victim_person=PERSON)


def test_act_needs_a_victim() -> None:
    with pytest.raises(MissingField, match="victim is required"):
        Act(ACT, INCIDENT, "torture")


def test_act_victim_is_a_person_or_a_group_not_both() -> None:
    with pytest.raises(DomainError, match="not both"):
        Act(ACT, INCIDENT, "torture", victim_person=PERSON, victim_group=GROUP)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"incident": SOURCE}, "act incident"),
        ({"victim_person": ORGANISATION}, "act victim"),
        ({"place": INCIDENT}, "act place"),
    ],
)
def test_act_refuses_codes_of_the_wrong_kind_naming_the_field(
    fields: dict[str, str], named: str
) -> None:
    values: dict[str, str] = {"incident": INCIDENT, "victim_person": PERSON, **fields}
    with pytest.raises(InvalidCode, match=f"^{named}:"):
        Act(ACT, type="torture", **values)


def test_claim_naming_its_source_is_valid() -> None:
    assert Claim(CLAIM, SOURCE, excerpt="more than 100 men").source == SOURCE


def test_claim_must_name_its_source() -> None:
    with pytest.raises(MissingField, match="must name its source"):
        Claim(CLAIM, "")


def test_claim_source_of_the_wrong_kind_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidCode, match=r"^claim source:"):
        Claim(CLAIM, PERSON)


def test_claim_cannot_supersede_itself() -> None:
    with pytest.raises(DomainError, match="supersede itself"):
        Claim(CLAIM, SOURCE, superseded_by=CLAIM)


def test_claim_superseded_by_something_other_than_a_claim_is_refused() -> None:
    with pytest.raises(InvalidCode, match=r"^claim superseded by:"):
        Claim(CLAIM, SOURCE, superseded_by=SOURCE)


def test_claim_excerpt_position_cannot_be_negative() -> None:
    with pytest.raises(DomainError, match="negative"):
        Claim(CLAIM, SOURCE, excerpt="x", excerpt_start=-1)


def test_count_claim_needs_a_quantity() -> None:
    with pytest.raises(MissingField, match="quantity is required"):
        CountClaim("", CountValue.between(20, 40), parse_date("2017-04"))


def test_count_claim_place_must_be_a_place() -> None:
    with pytest.raises(InvalidCode, match=r"^count claim place:"):
        CountClaim("detained", CountValue.between(20, 40), parse_date("2017-04"), place=PERSON)


def test_perpetrator_naming_a_person_is_valid() -> None:
    assert Perpetrator("direct", person=PERSON).person == PERSON


def test_perpetrator_naming_an_organisation_is_valid() -> None:
    assert Perpetrator("command", organisation=ORGANISATION).organisation == ORGANISATION


def test_perpetrator_naming_neither_person_nor_organisation_is_refused() -> None:
    with pytest.raises(DomainError, match="exactly one"):
        Perpetrator("direct")


def test_perpetrator_naming_both_person_and_organisation_is_refused() -> None:
    with pytest.raises(DomainError, match="exactly one"):
        Perpetrator("direct", person=PERSON, organisation=ORGANISATION)


def test_perpetrator_codes_of_the_wrong_kind_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidCode, match=r"^perpetrator person:"):
        Perpetrator("direct", person=ORGANISATION)
    with pytest.raises(InvalidCode, match=r"^perpetrator organisation:"):
        Perpetrator("direct", organisation=PERSON)


def test_perpetrator_needs_an_involvement() -> None:
    with pytest.raises(MissingField, match="involvement is required"):
        Perpetrator("", person=PERSON)


@pytest.mark.parametrize(
    ("lat", "lon"), [(None, None), (43.3, 45.7), (-90.0, -180.0), (90.0, 180.0), (0.0, 0.0)]
)
def test_place_with_both_coordinates_in_range_or_neither_is_valid(
    lat: float | None, lon: float | None
) -> None:
    assert Place(PLACE, "Argun", "town", lat=lat, lon=lon).lat == lat


@pytest.mark.parametrize(("lat", "lon"), [(43.3, None), (None, 45.7)])
def test_place_with_only_one_coordinate_is_refused(lat: float | None, lon: float | None) -> None:
    with pytest.raises(DomainError, match="both lat and lon"):
        Place(PLACE, "Argun", "town", lat=lat, lon=lon)


@pytest.mark.parametrize(
    ("lat", "lon", "named"),
    [(90.5, 0.0, "lat"), (-91.0, 0.0, "lat"), (0.0, 180.5, "lon"), (0.0, -181.0, "lon")],
)
def test_place_with_a_coordinate_out_of_range_is_refused(
    lat: float, lon: float, named: str
) -> None:
    with pytest.raises(DomainError, match=f"place: {named} .* is outside"):
        Place(PLACE, "Argun", "town", lat=lat, lon=lon)


def test_place_parent_must_be_a_place() -> None:
    with pytest.raises(InvalidCode, match=r"^place parent:"):
        Place(PLACE, "Argun", "town", parent=ORGANISATION)


@pytest.mark.parametrize(("name", "kind", "missing"), [("", "town", "name"), ("Argun", "", "kind")])
def test_place_needs_a_name_and_a_kind(name: str, kind: str, missing: str) -> None:
    with pytest.raises(MissingField, match=f"place: {missing} is required"):
        Place(PLACE, name, kind)


def test_organisation_parent_must_be_an_organisation() -> None:
    with pytest.raises(InvalidCode, match=r"^organisation parent:"):
        Organisation(ORGANISATION, "Ministry", "state-body", parent=PLACE)


def test_source_publisher_must_be_an_organisation() -> None:
    with pytest.raises(InvalidCode, match=r"^source publisher:"):
        Source(SOURCE, "article", "Detentions in Argun", publisher=PERSON)


def test_source_access_level_must_be_a_known_one() -> None:
    with pytest.raises(DomainError, match="access level 'secret'"):
        Source(SOURCE, "article", "Detentions in Argun", access_level="secret")


@pytest.mark.parametrize(("kind", "title"), [("", "Detentions"), ("article", " ")])
def test_source_needs_a_kind_and_a_title(kind: str, title: str) -> None:
    with pytest.raises(MissingField, match=r"^source: "):
        Source(SOURCE, kind, title)


def test_incident_needs_a_title() -> None:
    with pytest.raises(MissingField, match="incident: title is required"):
        Incident(INCIDENT, "")


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (lambda: Incident(INCIDENT, "Detentions", places=(PERSON,)), "incident place"),
        (lambda: Incident(INCIDENT, "Detentions", part_of=PLACE), "incident part of"),
        (
            lambda: Incident(
                INCIDENT, "Detentions", related=(IncidentRelation("precedes", SOURCE),)
            ),
            "incident related",
        ),
    ],
)
def test_incident_refuses_codes_of_the_wrong_kind_naming_the_field(
    build: Callable[[], Incident], named: str
) -> None:
    with pytest.raises(InvalidCode, match=f"^{named}:"):
        build()
