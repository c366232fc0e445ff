"""The documentation records of DESIGN.md: who did what to whom, and who said so."""

from dataclasses import dataclass, field

from vigil.domain.codes import RecordKind, require_kind
from vigil.domain.counts import CountValue
from vigil.domain.dates import UncertainDate
from vigil.domain.errors import DomainError, MissingField

ACCESS_LEVELS = ("public", "restricted", "confidential")


def _required(value: str | None, kind: str, name: str) -> None:
    if value is None or not str(value).strip():
        raise MissingField(f"{kind}: {name} is required")


@dataclass(frozen=True, slots=True)
class Place:
    """A named place, nested facility › town › region › country."""

    code: str
    name: str
    kind: str
    names: dict[str, str] = field(default_factory=dict)
    parent: str | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        _required(self.name, "place", "name")
        _required(self.kind, "place", "kind")
        if self.parent is not None:
            require_kind(self.parent, RecordKind.PLACE, "place parent")
        if (self.lat is None) != (self.lon is None):
            raise DomainError("place: give both lat and lon, or neither")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise DomainError(f"place: lat {self.lat} is outside -90..90")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise DomainError(f"place: lon {self.lon} is outside -180..180")


@dataclass(frozen=True, slots=True)
class Organisation:
    """An NGO, a media outlet, a state body or one of its units."""

    code: str
    name: str
    kind: str
    names: dict[str, str] = field(default_factory=dict)
    parent: str | None = None

    def __post_init__(self) -> None:
        _required(self.name, "organisation", "name")
        _required(self.kind, "organisation", "kind")
        if self.parent is not None:
            require_kind(self.parent, RecordKind.ORGANISATION, "organisation parent")


@dataclass(frozen=True, slots=True)
class Consent:
    """What a person allows for one use, from when, and until it is revoked."""

    use: str
    given_on: UncertainDate
    revoked_on: UncertainDate | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """The identifying part of a person. Sealed: it never reaches storage in plaintext."""

    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    birth_date: str | None = None
    contacts: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.names or self.aliases or self.birth_date or self.contacts or self.documents
        )


@dataclass(frozen=True, slots=True)
class Person:
    """Anyone in the records, known everywhere by a pseudonym code; roles come from links."""

    code: str
    description: str = ""
    sex: str | None = None
    gender_identity: str | None = None
    sexual_orientation: str | None = None
    consents: tuple[Consent, ...] = ()
    identity: Identity | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where information comes from: an article, a report, a testimony, a list."""

    code: str
    kind: str
    title: str
    publisher: str | None = None
    author: str | None = None
    language: str | None = None
    published_on: UncertainDate | None = None
    url: str | None = None
    reliability: str | None = None
    credibility: str | None = None
    access_level: str = "public"
    content: str | None = None

    def __post_init__(self) -> None:
        _required(self.kind, "source", "kind")
        _required(self.title, "source", "title")
        if self.publisher is not None:
            require_kind(self.publisher, RecordKind.ORGANISATION, "source publisher")
        if self.access_level not in ACCESS_LEVELS:
            raise DomainError(
                f"source: access level {self.access_level!r} is not one of "
                f"{', '.join(ACCESS_LEVELS)}"
            )


@dataclass(frozen=True, slots=True)
class CountClaim:
    """What a source said a number was: quantity, value, qualifier, period, as-of date, place."""

    quantity: str
    value: CountValue
    as_of: UncertainDate
    period: UncertainDate | None = None
    place: str | None = None

    def __post_init__(self) -> None:
        _required(self.quantity, "count claim", "quantity")
        if self.place is not None:
            require_kind(self.place, RecordKind.PLACE, "count claim place")


@dataclass(frozen=True, slots=True)
class Claim:
    """What one source asserts; claims are linked and superseded, never merged."""

    code: str
    source: str
    excerpt: str = ""
    excerpt_start: int | None = None
    attributed_to: str | None = None
    supports: tuple[str, ...] = ()
    count: CountClaim | None = None
    superseded_by: str | None = None

    def __post_init__(self) -> None:
        if not self.source:
            raise MissingField("claim: a claim must name its source")
        require_kind(self.source, RecordKind.SOURCE, "claim source")
        if self.superseded_by is not None:
            require_kind(self.superseded_by, RecordKind.CLAIM, "claim superseded by")
            if self.superseded_by == self.code:
                raise DomainError("claim: a claim cannot supersede itself")
        if self.excerpt_start is not None and self.excerpt_start < 0:
            raise DomainError("claim: excerpt position cannot be negative")


@dataclass(frozen=True, slots=True)
class IncidentRelation:
    """A link from one incident to another: precedes, causes, within…"""

    relation: str
    incident: str


@dataclass(frozen=True, slots=True)
class Incident:
    """Something that happened, at places and in a period that may be uncertain."""

    code: str
    title: str
    period: UncertainDate | None = None
    places: tuple[str, ...] = ()
    description: str = ""
    status: str = "alleged"
    part_of: str | None = None
    related: tuple[IncidentRelation, ...] = ()

    def __post_init__(self) -> None:
        _required(self.title, "incident", "title")
        for place in self.places:
            require_kind(place, RecordKind.PLACE, "incident place")
        if self.part_of is not None:
            require_kind(self.part_of, RecordKind.INCIDENT, "incident part of")
        for link in self.related:
            require_kind(link.incident, RecordKind.INCIDENT, "incident related")


@dataclass(frozen=True, slots=True)
class GroupVictim:
    """Victims known only as a group with a count, e.g. 'more than 100 men'."""

    count: CountValue
    description: str = ""


@dataclass(frozen=True, slots=True)
class Perpetrator:
    """Who took part in an act (a person or an organisation) and how."""

    involvement: str
    person: str | None = None
    organisation: str | None = None
    perpetrator_type: str | None = None

    def __post_init__(self) -> None:
        if (self.person is None) == (self.organisation is None):
            raise DomainError("perpetrator: name exactly one person or one organisation")
        if self.person is not None:
            require_kind(self.person, RecordKind.PERSON, "perpetrator person")
        if self.organisation is not None:
            require_kind(self.organisation, RecordKind.ORGANISATION, "perpetrator organisation")
        _required(self.involvement, "perpetrator", "involvement")


@dataclass(frozen=True, slots=True)
class Act:
    """One violation inside an incident: its type, its victim, its perpetrators and methods."""

    code: str
    incident: str
    type: str
    victim_person: str | None = None
    victim_group: GroupVictim | None = None
    perpetrators: tuple[Perpetrator, ...] = ()
    methods: tuple[str, ...] = ()
    place: str | None = None
    period: UncertainDate | None = None
    victim_status: str | None = None
    legal: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _required(self.type, "act", "type")
        require_kind(self.incident, RecordKind.INCIDENT, "act incident")
        if self.victim_person is None and self.victim_group is None:
            raise MissingField("act: a victim is required (a person, or a group with a count)")
        if self.victim_person is not None and self.victim_group is not None:
            raise DomainError("act: the victim is either a person or a group, not both")
        if self.victim_person is not None:
            require_kind(self.victim_person, RecordKind.PERSON, "act victim")
        if self.place is not None:
            require_kind(self.place, RecordKind.PLACE, "act place")


Record = Source | Claim | Incident | Act | Person | Organisation | Place

KIND_OF_RECORD: dict[type, RecordKind] = {
    Source: RecordKind.SOURCE,
    Claim: RecordKind.CLAIM,
    Incident: RecordKind.INCIDENT,
    Act: RecordKind.ACT,
    Person: RecordKind.PERSON,
    Organisation: RecordKind.ORGANISATION,
    Place: RecordKind.PLACE,
}
