"""An incident with everything around it: its acts, the people and places they name, and what
each source said about it, counts of one quantity side by side and never added up."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from vigil.domain.codes import RecordKind, kind_of
from vigil.domain.records import Act, Claim, Incident, Organisation, Person, Place, Source
from vigil.services.querying import CountLine
from vigil.services.recording import current
from vigil.services.stored import RecordView, to_view
from vigil.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class SourceClaims:
    """The claims of one source about an incident; ``source`` is None when it cannot be read."""

    source_code: str
    source: Source | None
    claims: list[RecordView]


@dataclass(slots=True)
class IncidentView:
    """An incident as a reader may see it: sealed sections stay sealed, and records outside the
    reader's compartments are left out (only their codes, named by readable records, remain)."""

    incident: RecordView
    acts: list[Act] = field(default_factory=list)
    persons: dict[str, Person] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    parts: list[Incident] = field(default_factory=list)
    by_source: list[SourceClaims] = field(default_factory=list)
    counts: dict[str, list[CountLine]] = field(default_factory=dict)

    @property
    def victims(self) -> list[str]:
        """The codes of the persons who are victims of an act, in the order of the acts."""
        found = [act.victim_person for act in self.acts if act.victim_person]
        return list(dict.fromkeys(found))

    @property
    def perpetrators(self) -> list[str]:
        """The codes of the persons and organisations who took part in an act."""
        found = [p.person or p.organisation or "" for act in self.acts for p in act.perpetrators]
        return list(dict.fromkeys(code for code in found if code))


def _readable(ws: Workspace, kind: RecordKind, codes: Iterable[str]) -> list[RecordView]:
    wanted = sorted(set(codes))
    if not wanted:
        return []
    stored = ws.store.get_many(kind, wanted)
    views = [to_view(s, None) for s in stored if ws.can_read(s.compartment)]
    return sorted(views, key=lambda v: v.record.code)


def _of_kind(codes: Iterable[str], kind: RecordKind) -> list[str]:
    return [code for code in codes if kind_of(code) is kind]


def incident_view(ws: Workspace, code: str) -> IncidentView:
    """Gather an incident with its acts, persons, organisations, places and the claims that
    refer to it or to its acts, grouped by source; fails with NotFound outside the reader's
    compartments, like an unknown code."""
    ws.require("record.read")
    stored = current(ws, code)
    view = to_view(stored, None)
    incident = view.record
    if not isinstance(incident, Incident):
        raise TypeError(f"{stored.code} is not an incident")
    result = IncidentView(view)
    naming = ws.store.referring(incident.code)
    result.acts = [
        v.record
        for v in _readable(ws, RecordKind.ACT, _of_kind(naming, RecordKind.ACT))
        if isinstance(v.record, Act) and v.record.incident == incident.code
    ]
    result.acts.sort(key=lambda act: (act.period.earliest if act.period else date.min, act.code))
    result.parts = [
        v.record
        for v in _readable(ws, RecordKind.INCIDENT, _of_kind(naming, RecordKind.INCIDENT))
        if isinstance(v.record, Incident) and v.record.part_of == incident.code
    ]

    about = {incident.code} | {act.code for act in result.acts}
    claim_codes = set(_of_kind(naming, RecordKind.CLAIM))
    for act in result.acts:
        claim_codes.update(_of_kind(ws.store.referring(act.code), RecordKind.CLAIM))
    claims = [
        (v, v.record)
        for v in _readable(ws, RecordKind.CLAIM, claim_codes)
        if isinstance(v.record, Claim) and about & set(v.record.supports)
    ]

    place_codes = set(incident.places)
    person_codes: set[str] = set()
    organisation_codes: set[str] = set()
    for act in result.acts:
        if act.place:
            place_codes.add(act.place)
        if act.victim_person:
            person_codes.add(act.victim_person)
        for perpetrator in act.perpetrators:
            if perpetrator.person:
                person_codes.add(perpetrator.person)
            if perpetrator.organisation:
                organisation_codes.add(perpetrator.organisation)
    source_codes: list[str] = []
    for _, claim in claims:
        source_codes.append(claim.source)
        if claim.count is not None and claim.count.place:
            place_codes.add(claim.count.place)

    for v in _readable(ws, RecordKind.PERSON, person_codes):
        if isinstance(v.record, Person):
            result.persons[v.record.code] = v.record
    for v in _readable(ws, RecordKind.ORGANISATION, organisation_codes):
        if isinstance(v.record, Organisation):
            result.organisations[v.record.code] = v.record
    for v in _readable(ws, RecordKind.PLACE, place_codes):
        if isinstance(v.record, Place):
            result.places[v.record.code] = v.record
    others = {incident.part_of} | {link.incident for link in incident.related}
    for v in _readable(ws, RecordKind.INCIDENT, (c for c in others if c)):
        if isinstance(v.record, Incident):
            result.incidents[v.record.code] = v.record
    sources: dict[str, Source] = {
        v.record.code: v.record
        for v in _readable(ws, RecordKind.SOURCE, source_codes)
        if isinstance(v.record, Source)
    }

    grouped: dict[str, list[RecordView]] = {}
    for claim_view, claim in claims:
        grouped.setdefault(claim.source, []).append(claim_view)
        if claim.count is not None:
            line = CountLine(claim, sources.get(claim.source), claim.superseded_by is None)
            result.counts.setdefault(claim.count.quantity, []).append(line)
    result.by_source = [
        SourceClaims(code, sources.get(code), grouped[code])
        for code in sorted(grouped, key=lambda c: (sources[c].title if c in sources else "", c))
    ]
    for lines in result.counts.values():
        lines.sort(
            key=lambda ln: (ln.claim.count.as_of.latest if ln.claim.count else 0, ln.claim.code),
            reverse=True,
        )
    return result
