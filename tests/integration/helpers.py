"""Building small sets of records for integration tests."""

from dataclasses import dataclass

from vigil.domain.counts import CountValue, Qualifier
from vigil.domain.records import (
    Act,
    Claim,
    CountClaim,
    GroupVictim,
    Identity,
    Incident,
    Person,
    Place,
    Source,
)
from vigil.services.dates import parse_date
from vigil.services.recording import add_record
from vigil.services.workspace import Workspace


@dataclass
class Sample:
    country: str
    region: str
    town: str
    other_town: str
    person: str
    source: str
    incident_2017: str
    incident_2019: str
    claim: str


def add_sample(ws: Workspace, name: str = "Sample Person") -> Sample:
    """Add a small place tree, a sealed person, a source, two incidents and a count claim."""
    country = add_record(ws, Place("", "Russian Federation", "country"))
    region = add_record(ws, Place("", "Chechen Republic", "region", parent=country))
    town = add_record(ws, Place("", "Argun", "town", {"ru": "Аргун"}, parent=region))
    other = add_record(ws, Place("", "Moscow", "city", parent=country))
    person = add_record(
        ws,
        Person(
            "",
            "a man detained in 2017",
            sex="male",
            identity=Identity(names=(name,), contacts=("+7 900",)),
        ),
    )
    source = add_record(
        ws,
        Source(
            "",
            "news-article",
            "Report",
            language="en",
            published_on=parse_date("2017-04-01"),
            content="More than 100 men were detained.",
        ),
    )
    inc_2017 = add_record(
        ws, Incident("", "Detentions in Argun", parse_date("2017-02/2017-04"), places=(town,))
    )
    inc_2019 = add_record(
        ws, Incident("", "Detentions in Moscow", parse_date("2019-01"), places=(other,))
    )
    add_record(
        ws, Act("", inc_2017, "secret-detention", victim_person=person, methods=("beating",))
    )
    add_record(
        ws,
        Act(
            "",
            inc_2019,
            "death-threat",
            victim_group=GroupVictim(CountValue.single(Qualifier.ABOUT, 40)),
        ),
    )
    claim = add_record(
        ws,
        Claim(
            "",
            source,
            excerpt="More than 100 men",
            supports=(inc_2017,),
            count=CountClaim(
                "detained",
                CountValue.single(Qualifier.MORE_THAN, 100),
                as_of=parse_date("2017-04-01"),
            ),
        ),
    )
    return Sample(country, region, town, other, person, source, inc_2017, inc_2019, claim)
