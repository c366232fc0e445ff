"""`vigil source|claim|incident|act|person|place|org add`: each prints the new record's code."""

from collections.abc import Sequence

import click

from vigil.cli.context import log, opened
from vigil.domain.codes import normalise_code
from vigil.domain.counts import CountValue, parse_qualifier
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
from vigil.services.recording import add_record
from vigil.services.workspace import DEFAULT_COMPARTMENT


def _code(value: str | None) -> str | None:
    return normalise_code(value) if value else None


def _names(pairs: Sequence[str]) -> dict[str, str]:
    names = {}
    for pair in pairs:
        language, sep, name = pair.partition("=")
        if not sep or not language or not name:
            raise DomainError(f"--name-in {pair!r}: write LANGUAGE=NAME, e.g. ru=Аргун")
        names[language.strip()] = name.strip()
    return names


def _remember_compartment(ctx: click.Context, _: click.Parameter, value: str) -> str:
    ctx.meta["compartment"] = value
    return value


compartment_option = click.option(
    "--compartment",
    default=DEFAULT_COMPARTMENT,
    show_default=True,
    expose_value=False,
    callback=_remember_compartment,
    help="Compartment the record belongs to; you must be a member.",
)


def _store(draft: Record) -> None:
    compartment = click.get_current_context().meta.get("compartment", DEFAULT_COMPARTMENT)
    with opened(unlock=True) as vigil:
        code = add_record(vigil.workspace, draft, compartment)
    log.info("added %s", code)
    click.echo(code)


def _count(
    value: int | None, low: int | None, high: int | None, qualifier: str | None, what: str
) -> CountValue:
    if low is not None or high is not None:
        if low is None or high is None or value is not None:
            raise DomainError(f"{what}: give --low and --high for a range, or --value alone")
        return CountValue.between(low, high)
    if value is None:
        raise DomainError(f"{what}: a value is required")
    return CountValue.single(parse_qualifier(qualifier or "exact"), value)


@click.group()
def source() -> None:
    """Sources: articles, reports, testimonies, lists."""


@source.command("add")
@compartment_option
@click.option("--kind", required=True, help="Source kind (vocabulary source-kind).")
@click.option("--title", required=True)
@click.option("--publisher", help="Organisation code (O-…).")
@click.option("--author")
@click.option("--language", help="Language code, e.g. ru, en.")
@click.option("--published-on", help="EDTF date, e.g. 2017-04-01.")
@click.option("--url")
@click.option("--reliability", help="A–F (vocabulary reliability).")
@click.option("--credibility", help="1–6 (vocabulary credibility).")
@click.option(
    "--access-level",
    default="public",
    show_default=True,
    type=click.Choice(["public", "restricted", "confidential"]),
)
@click.option(
    "--content-file",
    type=click.File(encoding="utf-8"),
    help="The source's text; sealed when the kind is testimony.",
)
def add_source(
    kind: str,
    title: str,
    publisher: str | None,
    author: str | None,
    language: str | None,
    published_on: str | None,
    url: str | None,
    reliability: str | None,
    credibility: str | None,
    access_level: str,
    content_file: click.File | None,
) -> None:
    """Add a source."""
    content = content_file.read() if content_file is not None else None  # type: ignore[attr-defined]
    draft = Source(
        code="",
        kind=kind,
        title=title,
        publisher=_code(publisher),
        author=author,
        language=language,
        published_on=parse_optional_date(published_on),
        url=url,
        reliability=reliability and reliability.lower(),
        credibility=credibility,
        access_level=access_level,
        content=content,
    )
    _store(draft)


@click.group()
def claim() -> None:
    """Claims: what one source asserts, counts with their qualifiers."""


@claim.command("add")
@compartment_option
@click.option("--source", "source_code", required=True, help="Source code (S-…).")
@click.option("--excerpt", default="", help="The words of the source, found in its text.")
@click.option("--attributed-to", help="Whom the source quotes, e.g. 'according to HRW'.")
@click.option("--supports", multiple=True, help="Code of a record this claim supports.")
@click.option("--quantity", help="Count claim: what was counted (vocabulary quantity).")
@click.option("--value", type=int, help="Count claim: the number.")
@click.option("--low", type=int, help="Count claim: low end of a range.")
@click.option("--high", type=int, help="Count claim: high end of a range.")
@click.option("--qualifier", help="exact, at-least, more-than, about, up-to (range is implied).")
@click.option("--period", help="EDTF period the count covers.")
@click.option("--as-of", help="EDTF date the count was true as of (required for counts).")
@click.option("--place", help="Place code (L-…) the count is about.")
@click.option("--superseded-by", help="Code of a later claim that replaces this one.")
def add_claim(
    source_code: str,
    excerpt: str,
    attributed_to: str | None,
    supports: tuple[str, ...],
    quantity: str | None,
    value: int | None,
    low: int | None,
    high: int | None,
    qualifier: str | None,
    period: str | None,
    as_of: str | None,
    place: str | None,
    superseded_by: str | None,
) -> None:
    """Add a claim; with --quantity it is a count claim."""
    count = None
    if quantity:
        if not as_of:
            raise click.UsageError("a count claim needs --as-of")
        count = CountClaim(
            quantity=quantity,
            value=_count(value, low, high, qualifier, "count"),
            as_of=parse_date(as_of),
            period=parse_optional_date(period),
            place=_code(place),
        )
    elif any(v is not None for v in (value, low, high, as_of)):
        raise click.UsageError("--value, --low, --high and --as-of need --quantity")
    draft = Claim(
        code="",
        source=normalise_code(source_code),
        excerpt=excerpt,
        attributed_to=attributed_to,
        supports=tuple(normalise_code(s) for s in supports),
        count=count,
        superseded_by=_code(superseded_by),
    )
    _store(draft)


@click.group()
def incident() -> None:
    """Incidents: something that happened."""


@incident.command("add")
@compartment_option
@click.option("--title", required=True)
@click.option("--period", help="EDTF, e.g. 2018-12~ or 2017-03-16/2017-03-28.")
@click.option("--place", "places", multiple=True, help="Place code (L-…); repeat for several.")
@click.option("--description", default="")
@click.option("--status", default="alleged", show_default=True, help="Vocabulary incident-status.")
@click.option("--part-of", help="Code of the wave or campaign this belongs to (I-…).")
@click.option("--related", multiple=True, help="RELATION:I-CODE, e.g. precedes:I-7KQ2XM.")
def add_incident(
    title: str,
    period: str | None,
    places: tuple[str, ...],
    description: str,
    status: str,
    part_of: str | None,
    related: tuple[str, ...],
) -> None:
    """Add an incident."""
    links = []
    for item in related:
        relation, sep, code = item.partition(":")
        if not sep:
            raise DomainError(f"--related {item!r}: write RELATION:CODE")
        links.append(IncidentRelation(relation=relation, incident=normalise_code(code)))
    draft = Incident(
        code="",
        title=title,
        period=parse_optional_date(period),
        places=tuple(normalise_code(p) for p in places),
        description=description,
        status=status,
        part_of=_code(part_of),
        related=tuple(links),
    )
    _store(draft)


def _perpetrator(text: str) -> Perpetrator:
    code, _, rest = text.partition(":")
    involvement, _, kind = rest.partition(":")
    canonical = normalise_code(code)
    who = {"person": canonical} if canonical.startswith("P-") else {"organisation": canonical}
    return Perpetrator(
        involvement=involvement or "direct-perpetrator", perpetrator_type=kind or None, **who
    )


@click.group()
def act() -> None:
    """Acts: one violation inside an incident."""


@act.command("add")
@compartment_option
@click.option("--incident", "incident_code", required=True, help="Incident code (I-…).")
@click.option("--type", "act_type", required=True, help="Vocabulary act-type.")
@click.option("--victim", help="Victim person code (P-…).")
@click.option("--victim-count", type=int, help="Or a group of victims: how many.")
@click.option("--victim-qualifier", default="exact", show_default=True)
@click.option("--victim-description", default="", help="Who the group was.")
@click.option(
    "--perpetrator", multiple=True, help="CODE[:INVOLVEMENT[:TYPE]], e.g. O-4F2K9A:ordered:police."
)
@click.option("--method", multiple=True, help="Vocabulary method; repeat for several.")
@click.option("--place", help="Place code (L-…).")
@click.option("--period", help="EDTF.")
@click.option("--victim-status", help="Vocabulary victim-status.")
@click.option("--legal", multiple=True, help="Vocabulary legal-article, e.g. echr-3.")
def add_act(
    incident_code: str,
    act_type: str,
    victim: str | None,
    victim_count: int | None,
    victim_qualifier: str,
    victim_description: str,
    perpetrator: tuple[str, ...],
    method: tuple[str, ...],
    place: str | None,
    period: str | None,
    victim_status: str | None,
    legal: tuple[str, ...],
) -> None:
    """Add an act: a type and a victim (a person, or a group with a count) are required."""
    group = None
    if victim_count is not None:
        group = GroupVictim(
            CountValue.single(parse_qualifier(victim_qualifier), victim_count), victim_description
        )
    draft = Act(
        code="",
        incident=normalise_code(incident_code),
        type=act_type,
        victim_person=_code(victim),
        victim_group=group,
        perpetrators=tuple(_perpetrator(p) for p in perpetrator),
        methods=method,
        place=_code(place),
        period=parse_optional_date(period),
        victim_status=victim_status,
        legal=legal,
    )
    _store(draft)


@click.group()
def person() -> None:
    """People: victims, witnesses, perpetrators, defenders — by pseudonym code."""


@person.command("add")
@compartment_option
@click.option("--name", multiple=True, help="A name in any script (sealed); repeat for several.")
@click.option("--alias", multiple=True, help="An alias (sealed).")
@click.option("--birth-date", help="EDTF birth date (sealed).")
@click.option("--contact", multiple=True, help="A way to reach the person (sealed).")
@click.option("--document", multiple=True, help="A document number (sealed).")
@click.option("--description", default="", help="Public, non-identifying description.")
@click.option("--sex", help="Self-described; vocabulary sex.")
@click.option("--gender-identity", help="Self-described; vocabulary gender-identity.")
@click.option("--sexual-orientation", help="Self-described; vocabulary sexual-orientation.")
@click.option("--consent", multiple=True, help="USE:EDTF-DATE, e.g. aggregate-statistics:2017-06.")
def add_person(
    name: tuple[str, ...],
    alias: tuple[str, ...],
    birth_date: str | None,
    contact: tuple[str, ...],
    document: tuple[str, ...],
    description: str,
    sex: str | None,
    gender_identity: str | None,
    sexual_orientation: str | None,
    consent: tuple[str, ...],
) -> None:
    """Add a person; the identity section is sealed before it reaches the database."""
    if birth_date:
        parse_date(birth_date)
    identity = Identity(
        names=name, aliases=alias, birth_date=birth_date, contacts=contact, documents=document
    )
    consents = []
    for item in consent:
        use, sep, given = item.partition(":")
        if not sep:
            raise DomainError(f"--consent {item!r}: write USE:DATE")
        consents.append(Consent(use=use, given_on=parse_date(given)))
    draft = Person(
        code="",
        description=description,
        sex=sex,
        gender_identity=gender_identity,
        sexual_orientation=sexual_orientation,
        consents=tuple(consents),
        identity=None if identity.is_empty() else identity,
    )
    _store(draft)


@click.group()
def place() -> None:
    """Places, nested facility › town › region › country."""


@place.command("add")
@compartment_option
@click.option("--name", required=True)
@click.option("--kind", required=True, help="Vocabulary place-kind.")
@click.option("--parent", help="Code of the enclosing place (L-…).")
@click.option("--name-in", multiple=True, help="LANGUAGE=NAME, e.g. ru=Аргун.")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
def add_place(
    name: str,
    kind: str,
    parent: str | None,
    name_in: tuple[str, ...],
    lat: float | None,
    lon: float | None,
) -> None:
    """Add a place."""
    _store(
        Place(
            code="",
            name=name,
            kind=kind,
            names=_names(name_in),
            parent=_code(parent),
            lat=lat,
            lon=lon,
        ),
    )


@click.group()
def org() -> None:
    """Organisations: NGOs, outlets, state bodies and their units."""


@org.command("add")
@compartment_option
@click.option("--name", required=True)
@click.option("--kind", required=True, help="Vocabulary organisation-kind.")
@click.option("--parent", help="Code of the parent organisation (O-…).")
@click.option("--name-in", multiple=True, help="LANGUAGE=NAME.")
def add_org(name: str, kind: str, parent: str | None, name_in: tuple[str, ...]) -> None:
    """Add an organisation."""
    _store(Organisation(code="", name=name, kind=kind, names=_names(name_in), parent=_code(parent)))


GROUPS = (source, claim, incident, act, person, place, org)
