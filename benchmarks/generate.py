"""A synthetic but well-formed Vigil export: places, organisations, people, sources, incidents,
acts and count claims, written as the JSON Lines that `vigil export` produces.

The file is written with ``"sealing": "plaintext"`` and each identity in ``sealed_plain``;
`benchmarks.sealing` turns it into a file sealed under a passphrase of its own, as
`vigil export --file-passphrase` writes it.
"""

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from vigil.domain.codes import CODE_LENGTH, CROCKFORD, RecordKind
from vigil.services.codec import from_dict, to_dict
from vigil.services.rules import TESTIMONY, check_terms
from vigil.services.transfer import FORMAT, FORMAT_VERSION
from vigil.services.vocabularies import Vocabularies, load_vocabularies

Advance = Callable[[int], None]

FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2024, 12, 31)
_RECORDED_FROM = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_CHECKED_PER_KIND = 25

_SYLLABLES = (
    "ma",
    "ra",
    "zan",
    "be",
    "kov",
    "li",
    "sha",
    "mir",
    "tam",
    "gul",
    "khan",
    "vi",
    "tor",
    "dar",
    "sul",
    "na",
    "bek",
    "ali",
    "ruz",
    "ya",
    "lan",
    "ev",
    "is",
    "dzhi",
)
_WORDS = (
    "men",
    "detained",
    "held",
    "beaten",
    "released",
    "relatives",
    "police",
    "base",
    "night",
    "phone",
    "summoned",
    "threatened",
    "missing",
    "returned",
    "village",
    "cellar",
    "week",
    "officers",
    "family",
    "hotline",
    "reported",
    "at",
    "least",
    "about",
    "several",
)


@dataclass(frozen=True, slots=True)
class Plan:
    """How many records of each kind to write."""

    regions: int = 5
    towns_per_region: int = 10
    facilities_per_town: int = 10
    organisations: int = 100
    persons: int = 100_000
    sources: int = 2_000
    incidents: int = 100_000
    acts_per_incident: int = 3
    claims: int = 200_000

    @classmethod
    def at_scale(cls, scale: float) -> "Plan":
        """The full plan (about 700,000 records) scaled down for quick runs; places stay whole."""
        base = cls()

        def scaled(n: int, least: int) -> int:
            return max(least, round(n * scale))

        return cls(
            organisations=scaled(base.organisations, 20),
            persons=scaled(base.persons, 50),
            sources=scaled(base.sources, 20),
            incidents=scaled(base.incidents, 50),
            claims=scaled(base.claims, 50),
        )

    @property
    def places(self) -> int:
        towns = self.regions * self.towns_per_region
        return 1 + self.regions + towns + towns * self.facilities_per_town

    @property
    def acts(self) -> int:
        return self.incidents * self.acts_per_incident

    def counts(self) -> dict[str, int]:
        return {
            RecordKind.PLACE.value: self.places,
            RecordKind.ORGANISATION.value: self.organisations,
            RecordKind.PERSON.value: self.persons,
            RecordKind.SOURCE.value: self.sources,
            RecordKind.INCIDENT.value: self.incidents,
            RecordKind.ACT.value: self.acts,
            RecordKind.CLAIM.value: self.claims,
        }

    @property
    def records(self) -> int:
        return sum(self.counts().values())


@dataclass(slots=True)
class Manifest:
    """What was generated, and the codes a listing benchmark filters on."""

    counts: dict[str, int]
    regions: list[str] = field(default_factory=list)
    bytes: int = 0

    @property
    def records(self) -> int:
        return sum(self.counts.values())


class _Codes:
    """Unique random record codes in the real format (prefix, dash, six Crockford characters)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def new(self, kind: RecordKind) -> str:
        while True:
            code = f"{kind.prefix}-{''.join(self._rng.choices(CROCKFORD, k=CODE_LENGTH))}"
            if code not in self._seen:
                self._seen.add(code)
                return code


class _Writer:
    """Writes export lines with increasing `recorded_at`, and checks a sample of each kind."""

    def __init__(self, out: Any, vocabularies: Vocabularies, advance: Advance) -> None:
        self._out = out
        self._vocabularies = vocabularies
        self._advance = advance
        self._pending = 0
        self._written = 0
        self._checked: dict[RecordKind, int] = {}

    def header(self) -> None:
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "exported_at": _RECORDED_FROM.isoformat(timespec="microseconds"),
            "sealing": "plaintext",
        }
        self._out.write(json.dumps(header, ensure_ascii=False) + "\n")

    def record(
        self, kind: RecordKind, data: dict[str, Any], sealed_plain: dict[str, Any] | None = None
    ) -> None:
        if self._checked.get(kind, 0) < _CHECKED_PER_KIND:
            self._check(kind, data, sealed_plain)
        recorded = _RECORDED_FROM + timedelta(milliseconds=137 * self._written)
        entry: dict[str, Any] = {
            "action": "create",
            "code": data["code"],
            "data": data,
            "kind": kind.value,
            "recorded_at": recorded.isoformat(timespec="microseconds"),
            "version": 1,
        }
        if sealed_plain is not None:
            entry["sealed_plain"] = sealed_plain
        self._out.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        self._written += 1
        self._pending += 1
        if self._pending == 1000:
            self._advance(self._pending)
            self._pending = 0

    def finish(self) -> None:
        self._advance(self._pending)
        self._pending = 0

    def _check(
        self, kind: RecordKind, data: dict[str, Any], sealed_plain: dict[str, Any] | None
    ) -> None:
        """Fail loudly if a generated record is not exactly what Vigil itself would export."""
        full = {**data, **(sealed_plain or {})}
        record = from_dict(kind, full)
        check_terms(self._vocabularies, record)
        again = to_dict(record)
        hidden = set(sealed_plain or ()) | ({"identity"} if kind is RecordKind.PERSON else set())
        for key in hidden - set(data):
            again.pop(key, None)
        if again != data:
            raise AssertionError(
                f"generated {kind.value} differs from its round trip: {data} != {again}"
            )
        self._checked[kind] = self._checked.get(kind, 0) + 1


class _Random:
    """The random choices the generator makes, drawn from Vigil's own vocabularies."""

    def __init__(self, rng: random.Random, vocabularies: Vocabularies) -> None:
        self.rng = rng
        testimony = vocabularies["source-kind"].descendants(TESTIMONY)
        self.act_types = [t.code for t in vocabularies["act-type"]]
        self.methods = [t.code for t in vocabularies["method"]]
        self.involvements = [t.code for t in vocabularies["involvement"]]
        self.perpetrator_types = [t.code for t in vocabularies["perpetrator-type"]]
        self.victim_statuses = [t.code for t in vocabularies["victim-status"]]
        self.legal = [t.code for t in vocabularies["legal-article"]]
        self.statuses = [t.code for t in vocabularies["incident-status"]]
        self.quantities = [t.code for t in vocabularies["quantity"]]
        self.source_kinds = [t.code for t in vocabularies["source-kind"] if t.code not in testimony]
        self.organisation_kinds = [t.code for t in vocabularies["organisation-kind"]]
        self.sexes = [t.code for t in vocabularies["sex"]]
        self.genders = [t.code for t in vocabularies["gender-identity"]]
        self.orientations = [t.code for t in vocabularies["sexual-orientation"]]
        self.consent_uses = [t.code for t in vocabularies["consent-use"]]
        self.reliabilities = [t.code for t in vocabularies["reliability"]]
        self.credibilities = [t.code for t in vocabularies["credibility"]]
        self.facility_kinds = [
            t.code for t in vocabularies["place-kind"] if t.parent == "detention-place"
        ] + ["private-home", "hospital"]

    def name(self, parts: int = 2) -> str:
        return " ".join(
            "".join(self.rng.choices(_SYLLABLES, k=self.rng.randint(2, 3))).capitalize()
            for _ in range(parts)
        )

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(_WORDS, k=self.rng.randint(low, high)))

    def maybe(self, chance: float, value: Any) -> Any:
        return value if self.rng.random() < chance else None

    def day(self, last: date = LAST_DAY) -> date:
        return FIRST_DAY + timedelta(days=self.rng.randint(0, (last - FIRST_DAY).days))

    def period(self) -> str:
        """An uncertain EDTF period within 2015–2024, in the forms sources give."""
        roll = self.rng.random()
        if roll < 0.30:
            return self.day().strftime("%Y-%m")
        if roll < 0.50:
            return self.day().strftime("%Y-%m") + "~"
        if roll < 0.80:
            start = self.day(LAST_DAY - timedelta(days=30))
            end = start + timedelta(days=self.rng.randint(1, 30))
            return f"{start.isoformat()}/{end.isoformat()}"
        if roll < 0.95:
            return self.day().isoformat()
        return str(self.day().year)

    def count(self) -> dict[str, Any]:
        qualifier = self.rng.choice(("exact", "at-least", "more-than", "about", "up-to", "range"))
        low = self.rng.randint(1, 200)
        high = low + self.rng.randint(1, 50) if qualifier == "range" else low
        return {"high": high, "low": low, "qualifier": qualifier}


def _places(r: _Random, codes: _Codes, plan: Plan, w: _Writer, manifest: Manifest) -> list[str]:
    """Write the place tree; return the codes incidents may happen at (towns and facilities)."""

    def place(kind: str, name: str, parent: str | None) -> str:
        code = codes.new(RecordKind.PLACE)
        located = r.rng.random() < 0.5
        w.record(
            RecordKind.PLACE,
            {
                "code": code,
                "kind": kind,
                "name": name,
                "names": {"ru": name.upper()},
                "parent": parent,
                "lat": round(r.rng.uniform(41.0, 45.0), 5) if located else None,
                "lon": round(r.rng.uniform(43.0, 47.0), 5) if located else None,
            },
        )
        return code

    country = place("country", "Country " + r.name(1), None)
    sites: list[str] = []
    for _ in range(plan.regions):
        region = place("region", "Region " + r.name(1), country)
        manifest.regions.append(region)
        for _ in range(plan.towns_per_region):
            town = place("town", r.name(1), region)
            sites.append(town)
            for _ in range(plan.facilities_per_town):
                sites.append(place(r.rng.choice(r.facility_kinds), "Site " + r.name(1), town))
    return sites


def _organisations(r: _Random, codes: _Codes, plan: Plan, w: _Writer) -> list[str]:
    made: list[str] = []
    for _ in range(plan.organisations):
        code = codes.new(RecordKind.ORGANISATION)
        parent = r.rng.choice(made) if made and r.rng.random() < 0.3 else None
        w.record(
            RecordKind.ORGANISATION,
            {
                "code": code,
                "kind": r.rng.choice(r.organisation_kinds),
                "name": r.name(2) + " " + r.rng.choice(("Centre", "Group", "Unit", "Network")),
                "names": {},
                "parent": parent,
            },
        )
        made.append(code)
    return made


def _persons(r: _Random, codes: _Codes, plan: Plan, w: _Writer) -> list[str]:
    made: list[str] = []
    for _ in range(plan.persons):
        code = codes.new(RecordKind.PERSON)
        consents = (
            [
                {
                    "given_on": r.day().strftime("%Y-%m"),
                    "revoked_on": None,
                    "use": r.rng.choice(r.consent_uses),
                }
            ]
            if r.rng.random() < 0.1
            else []
        )
        data = {
            "code": code,
            "consents": consents,
            "description": r.words(3, 10),
            "sex": r.maybe(0.8, r.rng.choice(r.sexes)),
            "gender_identity": r.maybe(0.5, r.rng.choice(r.genders)),
            "sexual_orientation": r.maybe(0.5, r.rng.choice(r.orientations)),
        }
        identity = {
            "names": [r.name(r.rng.randint(2, 3))],
            "aliases": [],
            "birth_date": r.maybe(0.3, str(r.rng.randint(1960, 2004))),
            "contacts": [],
            "documents": [],
        }
        w.record(RecordKind.PERSON, data, {"identity": identity})
        made.append(code)
    return made


def _sources(
    r: _Random, codes: _Codes, plan: Plan, w: _Writer, organisations: list[str]
) -> list[str]:
    made: list[str] = []
    for _ in range(plan.sources):
        code = codes.new(RecordKind.SOURCE)
        w.record(
            RecordKind.SOURCE,
            {
                "access_level": r.rng.choice(("public", "public", "restricted", "confidential")),
                "author": r.maybe(0.5, r.name(2)),
                "code": code,
                "content": r.maybe(0.3, r.words(20, 60)),
                "credibility": r.rng.choice(r.credibilities),
                "kind": r.rng.choice(r.source_kinds),
                "language": r.rng.choice(("ru", "en")),
                "published_on": r.day().isoformat(),
                "publisher": r.rng.choice(organisations),
                "reliability": r.rng.choice(r.reliabilities),
                "title": r.words(4, 10).capitalize(),
                "url": r.maybe(0.5, f"https://example.org/{code.lower()}"),
            },
        )
        made.append(code)
    return made


def _incidents_and_acts(
    r: _Random,
    codes: _Codes,
    plan: Plan,
    w: _Writer,
    sites: list[str],
    persons: list[str],
    organisations: list[str],
) -> list[str]:
    incidents: list[str] = []
    for _ in range(plan.incidents):
        code = codes.new(RecordKind.INCIDENT)
        period = r.period()
        places = r.rng.sample(sites, r.rng.randint(1, 2))
        w.record(
            RecordKind.INCIDENT,
            {
                "code": code,
                "description": r.words(8, 30),
                "part_of": None,
                "period": period,
                "places": places,
                "related": [],
                "status": r.rng.choice(r.statuses),
                "title": r.words(3, 7).capitalize(),
            },
        )
        incidents.append(code)
        for _ in range(plan.acts_per_incident):
            _act(r, codes, w, code, period, places, persons, organisations)
    return incidents


def _act(
    r: _Random,
    codes: _Codes,
    w: _Writer,
    incident: str,
    period: str,
    places: list[str],
    persons: list[str],
    organisations: list[str],
) -> None:
    alone = r.rng.random() < 0.65
    group = None if alone else {"count": r.count(), "description": r.words(2, 5)}
    perpetrators = [
        {
            "involvement": r.rng.choice(r.involvements),
            "organisation": r.rng.choice(organisations),
            "perpetrator_type": r.rng.choice(r.perpetrator_types),
            "person": None,
        }
        for _ in range(r.rng.randint(0, 2))
    ]
    w.record(
        RecordKind.ACT,
        {
            "code": codes.new(RecordKind.ACT),
            "incident": incident,
            "legal": r.rng.sample(r.legal, r.rng.randint(0, 2)),
            "methods": r.rng.sample(r.methods, r.rng.randint(0, 2)),
            "period": r.maybe(0.5, period),
            "perpetrators": perpetrators,
            "place": r.maybe(0.5, r.rng.choice(places)),
            "type": r.rng.choice(r.act_types),
            "victim_group": group,
            "victim_person": r.rng.choice(persons) if alone else None,
            "victim_status": r.maybe(0.6, r.rng.choice(r.victim_statuses)),
        },
    )


def _claims(
    r: _Random,
    codes: _Codes,
    plan: Plan,
    w: _Writer,
    sources: list[str],
    incidents: list[str],
    regions: list[str],
    sites: list[str],
) -> None:
    where = regions + sites[: max(1, len(sites) // 10)]
    for _ in range(plan.claims):
        count = {
            "as_of": r.day().isoformat(),
            "period": r.maybe(0.6, r.period()),
            "place": r.maybe(0.7, r.rng.choice(where)),
            "quantity": r.rng.choice(r.quantities),
            "value": r.count(),
        }
        excerpt = r.words(6, 20)
        w.record(
            RecordKind.CLAIM,
            {
                "attributed_to": r.maybe(0.2, r.name(2)),
                "code": codes.new(RecordKind.CLAIM),
                "count": count,
                "excerpt": excerpt,
                "excerpt_start": r.maybe(0.5, r.rng.randint(0, 5000)),
                "source": r.rng.choice(sources),
                "superseded_by": None,
                "supports": [r.rng.choice(incidents)] if r.rng.random() < 0.5 else [],
            },
        )


def generate(path: Path, plan: Plan, seed: int, advance: Advance) -> Manifest:
    """Write a plaintext-sealing export file of the plan's records; return what it holds."""
    vocabularies = load_vocabularies()
    r = _Random(random.Random(seed), vocabularies)
    codes = _Codes(r.rng)
    manifest = Manifest(counts=plan.counts())
    with path.open("w", encoding="utf-8") as out:
        w = _Writer(out, vocabularies, advance)
        w.header()
        sites = _places(r, codes, plan, w, manifest)
        organisations = _organisations(r, codes, plan, w)
        persons = _persons(r, codes, plan, w)
        sources = _sources(r, codes, plan, w, organisations)
        incidents = _incidents_and_acts(r, codes, plan, w, sites, persons, organisations)
        _claims(r, codes, plan, w, sources, incidents, manifest.regions, sites)
        w.finish()
    manifest.bytes = path.stat().st_size
    return manifest


def lines(path: Path) -> Iterator[str]:
    """Yield the lines of a file, as the importer reads them."""
    with path.open(encoding="utf-8") as handle:
        yield from handle
