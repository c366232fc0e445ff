"""Recording, versioning and listing records, on SQLite and PostgreSQL."""

import pytest

from integration.helpers import add_sample
from vigil.bootstrap import Vigil
from vigil.domain.codes import RecordKind
from vigil.domain.errors import DomainError, UnknownTerm
from vigil.domain.records import Act, Claim, Incident
from vigil.services.querying import ListFilters, list_records, overview
from vigil.services.recording import add_record, delete_record, edit_record, show
from vigil.services.workspace import NotFound


def codes(vigil: Vigil, kind: RecordKind, **filters: str) -> set[str]:
    return {v.record.code for v in list_records(vigil.workspace, kind, ListFilters(**filters))}


def test_an_edit_writes_a_new_version_and_keeps_the_old(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert (
        edit_record(
            vigil.workspace, sample.incident_2017, {"status": "corroborated"}, "second source"
        )
        == 2
    )
    history = vigil.store.history(sample.incident_2017)
    assert [(v.version, v.action) for v in history] == [(1, "create"), (2, "update")]
    assert history[0].data["status"] == "alleged"
    assert history[1].data["status"] == "corroborated"
    assert history[1].note == "second source"
    assert show(vigil.workspace, sample.incident_2017).record.status == "corroborated"


def test_a_deletion_is_recorded_and_the_record_leaves_listings(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    delete_record(vigil.workspace, sample.claim, "duplicate")
    assert sample.claim not in codes(vigil, RecordKind.CLAIM)
    assert [v.action for v in vigil.store.history(sample.claim)] == ["create", "delete"]
    with pytest.raises(NotFound):
        show(vigil.workspace, sample.claim)


def test_a_record_still_named_by_others_cannot_be_deleted(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    with pytest.raises(DomainError, match="still named by"):
        delete_record(vigil.workspace, sample.town)


def test_period_filter_keeps_records_that_overlap(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert codes(vigil, RecordKind.INCIDENT, period="2017-03") == {sample.incident_2017}
    assert codes(vigil, RecordKind.INCIDENT, period="2017/2019") == {
        sample.incident_2017,
        sample.incident_2019,
    }
    assert codes(vigil, RecordKind.INCIDENT, period="2018") == set()


def test_place_filter_takes_the_place_and_everything_under_it(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert codes(vigil, RecordKind.INCIDENT, place=sample.region) == {sample.incident_2017}
    assert codes(vigil, RecordKind.INCIDENT, place=sample.country) == {
        sample.incident_2017,
        sample.incident_2019,
    }
    assert codes(vigil, RecordKind.PLACE, place=sample.region) == {sample.region, sample.town}


def test_act_type_filter_takes_the_type_and_its_descendants(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert codes(vigil, RecordKind.INCIDENT, act_type="deprivation-of-liberty") == {
        sample.incident_2017
    }
    assert codes(vigil, RecordKind.INCIDENT, act_type="threat") == {sample.incident_2019}
    acts = list_records(vigil.workspace, RecordKind.ACT, ListFilters(act_type="threat"))
    assert [v.record.type for v in acts] == ["death-threat"]


def test_combined_filters_narrow_the_listing(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert codes(
        vigil,
        RecordKind.INCIDENT,
        period="2017",
        place=sample.region,
        act_type="deprivation-of-liberty",
    ) == {sample.incident_2017}
    assert (
        codes(
            vigil,
            RecordKind.INCIDENT,
            period="2019",
            place=sample.region,
            act_type="deprivation-of-liberty",
        )
        == set()
    )


def test_claims_filter_by_source_quantity_and_qualifier(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    assert codes(vigil, RecordKind.CLAIM, source=sample.source) == {sample.claim}
    assert codes(vigil, RecordKind.CLAIM, quantity="group-liberty") == {sample.claim}
    assert codes(vigil, RecordKind.CLAIM, quantity="killed") == set()
    assert codes(vigil, RecordKind.CLAIM, qualifier="more than") == {sample.claim}
    assert codes(vigil, RecordKind.INCIDENT, source=sample.source) == {sample.incident_2017}


def test_excerpt_position_is_found_in_the_source_text(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    claim = show(vigil.workspace, sample.claim).record
    assert isinstance(claim, Claim) and claim.excerpt_start == 0
    with pytest.raises(DomainError, match="not found"):
        add_record(vigil.workspace, Claim("", sample.source, excerpt="words never written"))


def test_unknown_terms_and_missing_records_are_refused(vigil: Vigil) -> None:
    sample = add_sample(vigil.workspace)
    with pytest.raises(UnknownTerm, match="torture"):
        add_record(
            vigil.workspace, Act("", sample.incident_2017, "tortre", victim_person=sample.person)
        )
    with pytest.raises(DomainError, match="no record I-"):
        add_record(vigil.workspace, Act("", "I-000000", "torture", victim_person=sample.person))
    with pytest.raises(DomainError, match="no record L-"):
        add_record(vigil.workspace, Incident("", "Somewhere", places=("L-000000",)))
    assert vigil.store.count_by_kind()[RecordKind.ACT] == 2


def test_overview_sets_disagreeing_claims_side_by_side(vigil: Vigil) -> None:
    from vigil.domain.counts import CountValue, Qualifier
    from vigil.domain.records import CountClaim, Source
    from vigil.services.dates import parse_date

    sample = add_sample(vigil.workspace)
    other = add_record(vigil.workspace, Source("", "ngo-report", "Other report"))
    later = add_record(
        vigil.workspace,
        Claim(
            "",
            other,
            count=CountClaim(
                "detained", CountValue.single(Qualifier.EXACT, 200), parse_date("2017-07-09")
            ),
        ),
    )
    result = overview(vigil.workspace)
    lines = result.counts["detained"]
    assert [line.claim.code for line in lines] == [later, sample.claim]
    assert [str(line.claim.count.value) for line in lines if line.claim.count] == [
        "200",
        "more than 100",
    ]
    assert dict(result.incidents_per_year) == {2017: 1, 2019: 1}
