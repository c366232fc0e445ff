"""`vigil show|list|history|edit|delete|overview|vocab`: reading and amending records."""

from typing import Any

import click

from vigil.cli.context import log, opened
from vigil.cli.output import console, emit_json, fields, table
from vigil.domain.codes import RecordKind
from vigil.domain.records import Act, Claim, Incident, Organisation, Place, Record, Source
from vigil.services.querying import ListFilters, history, list_records, overview
from vigil.services.recording import delete_record, edit_record, full_dict, show
from vigil.services.stored import RecordView
from vigil.services.vocabularies import load_vocabularies

KINDS = {
    "sources": RecordKind.SOURCE,
    "claims": RecordKind.CLAIM,
    "incidents": RecordKind.INCIDENT,
    "acts": RecordKind.ACT,
    "persons": RecordKind.PERSON,
    "people": RecordKind.PERSON,
    "places": RecordKind.PLACE,
    "orgs": RecordKind.ORGANISATION,
    "organisations": RecordKind.ORGANISATION,
}
for _kind in RecordKind:
    KINDS[_kind.value] = _kind


def _view_dict(view: RecordView) -> dict[str, Any]:
    data = full_dict(view.record)
    data["version"] = view.version
    data["sealed"] = view.sealed
    if view.sealed == "sealed":
        for key in ("identity", "content", "excerpt"):
            if data.get(key) in (None, ""):
                data.pop(key, None)
    return data


@click.command("show")
@click.argument("code")
@click.option("--reveal", is_flag=True, help="Open the sealed section (needs the passphrase).")
@click.option("--json", "as_json", is_flag=True)
def show_command(code: str, reveal: bool, as_json: bool) -> None:
    """Show one record; sealed sections stay sealed unless --reveal is given."""
    with opened() as vigil:
        view = show(vigil.workspace, code, reveal=reveal)
    if reveal:
        log.info("revealed the sealed section of %s", view.record.code)
    data = _view_dict(view)
    if as_json:
        emit_json(data)
        return
    if view.sealed == "sealed":
        data["sealed"] = "sealed section present (use --reveal with the passphrase)"
    fields(f"{view.record.code} (version {view.version})", data)


def _summary(record: Record) -> list[Any]:
    match record:
        case Incident():
            return [
                record.code,
                record.period,
                record.title,
                record.status,
                ", ".join(record.places),
            ]
        case Act():
            victim = record.victim_person or (
                record.victim_group and f"group: {record.victim_group.count}"
            )
            return [record.code, record.period, record.type, victim, record.incident]
        case Claim():
            count = record.count
            if count is None:
                return [record.code, "", "", record.excerpt[:60], record.source]
            return [record.code, count.as_of, count.quantity, str(count.value), record.source]
        case Source():
            return [record.code, record.published_on, record.kind, record.title, record.publisher]
        case Place() | Organisation():
            return [record.code, record.kind, record.name, record.parent, ""]
        case _:
            return [record.code, "", getattr(record, "description", ""), "", ""]


_COLUMNS = {
    RecordKind.INCIDENT: ["code", "period", "title", "status", "places"],
    RecordKind.ACT: ["code", "period", "type", "victim", "incident"],
    RecordKind.CLAIM: ["code", "as of", "quantity", "value", "source"],
    RecordKind.SOURCE: ["code", "published", "kind", "title", "publisher"],
    RecordKind.PLACE: ["code", "kind", "name", "parent", ""],
    RecordKind.ORGANISATION: ["code", "kind", "name", "parent", ""],
    RecordKind.PERSON: ["code", "", "description", "", ""],
}


@click.command("list")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.option("--period", help="EDTF period that records must overlap.")
@click.option("--place", help="Place code: that place and every place inside it.")
@click.option("--act-type", help="Act type and its descendants (incidents, acts).")
@click.option("--source", help="Source code: its claims, or the records its claims support.")
@click.option("--quantity", help="Count quantity and its descendants (claims).")
@click.option("--qualifier", help="Count qualifier (claims).")
@click.option("--status", help="Incident status (incidents).")
@click.option("--text", help="Words the public text must hold, each at a word's start (incidents).")
@click.option("--compartment", help="Only this one of your compartments.")
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_command(
    kind: str,
    period: str | None,
    place: str | None,
    act_type: str | None,
    source: str | None,
    quantity: str | None,
    qualifier: str | None,
    status: str | None,
    text: str | None,
    compartment: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List records of a kind, filtered."""
    record_kind = KINDS[kind]
    filters = ListFilters(
        period,
        place,
        act_type,
        source,
        quantity,
        qualifier,
        limit,
        offset,
        status=status,
        text=text,
        compartment=compartment,
    )
    with opened() as vigil:
        views = list_records(vigil.workspace, record_kind, filters)
    if as_json:
        emit_json([_view_dict(v) for v in views])
        return
    table(
        f"{record_kind.value}: {len(views)} shown",
        _COLUMNS[record_kind],
        [_summary(v.record) for v in views],
    )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [
        f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in keys if before.get(k) != after.get(k)
    ]


@click.command("history")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def history_command(code: str, as_json: bool) -> None:
    """Show every version of a record and what changed in each."""
    with opened() as vigil:
        versions = history(vigil.workspace, code)
    if not versions:
        raise click.ClickException(f"no history for {code}")
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for version in versions:
        changes = _changes(previous, version.data) if version.action != "delete" else []
        if version.sealed is not None and (not rows or version.action == "update"):
            changes.append("sealed section (not shown)")
        rows.append(
            {
                "version": version.version,
                "action": version.action,
                "recorded_at": version.recorded_at,
                "note": version.note,
                "changes": changes,
            }
        )
        previous = version.data
    if as_json:
        emit_json(rows)
        return
    table(
        f"history of {versions[0].code}",
        ["version", "action", "recorded at", "note", "changes"],
        [
            [r["version"], r["action"], r["recorded_at"], r["note"], "\n".join(r["changes"])]
            for r in rows
        ],
    )


@click.command("edit")
@click.argument("code")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    help="FIELD=VALUE; lists take commas, objects JSON, an empty value clears.",
)
@click.option("--note", help="Why the record changed.")
def edit_command(code: str, assignments: tuple[str, ...], note: str | None) -> None:
    """Amend a record: writes a new version, the old one stays in its history."""
    changes = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set {item!r}: write FIELD=VALUE")
        changes[name.strip()] = value
    with opened(unlock=True) as vigil:
        number = edit_record(vigil.workspace, code, changes, note)
    log.info("edited %s to version %s", code, number)
    click.echo(f"{code.upper()} version {number}")


@click.command("delete")
@click.argument("code")
@click.option("--reason", help="Why the record is deleted (kept in its history).")
def delete_command(code: str, reason: str | None) -> None:
    """Delete a record: it leaves listings, its history records the deletion."""
    with opened(unlock=True) as vigil:
        delete_record(vigil.workspace, code, reason)
    log.info("deleted %s", code)
    click.echo(f"deleted {code.upper()}")


@click.command("overview")
@click.option("--json", "as_json", is_flag=True)
def overview_command(as_json: bool) -> None:
    """Incidents per year and, per quantity, every count claim side by side."""
    with opened() as vigil:
        result = overview(vigil.workspace)
        labels = {t.code: t.label() for t in vigil.workspace.vocabularies["quantity"]}
    counts = {
        q: [
            {
                "claim": ln.claim.code,
                "value": str(ln.claim.count.value),
                "as_of": str(ln.claim.count.as_of),
                "period": str(ln.claim.count.period or ""),
                "source": ln.source.title if ln.source else ln.claim.source,
                "current": ln.current,
            }
            for ln in lines
            if ln.claim.count
        ]
        for q, lines in sorted(result.counts.items())
    }
    if as_json:
        emit_json(
            {
                "records": {k.value: n for k, n in result.records.items()},
                "incidents_per_year": dict(result.incidents_per_year),
                "counts": counts,
            }
        )
        return
    table("records", [k.value for k in result.records], [list(result.records.values())])
    peak = max((n for _, n in result.incidents_per_year), default=1)
    table(
        "incidents per year",
        ["year", "incidents", ""],
        [[y, n, "█" * max(1, round(30 * n / peak))] for y, n in result.incidents_per_year],
    )
    for quantity, rows in counts.items():
        table(
            f"{labels.get(quantity, quantity)}: what each source said",
            ["as of", "count", "period", "source", "claim"],
            [
                [
                    r["as_of"],
                    r["value"] if r["current"] else f"[dim]{r['value']} (superseded)",
                    r["period"],
                    r["source"],
                    r["claim"],
                ]
                for r in rows
            ],
        )


@click.command("vocab")
@click.argument("vocabulary", required=False)
@click.option("--search", help="Text to find in codes, labels and notes, in any language.")
@click.option("--lang", default="en", show_default=True, type=click.Choice(["en", "ru"]))
@click.option("--json", "as_json", is_flag=True)
def vocab_command(vocabulary: str | None, search: str | None, lang: str, as_json: bool) -> None:
    """List vocabularies, show one as a tree, or search terms in English and Russian."""
    from vigil.bootstrap import Settings

    vocabularies = load_vocabularies(Settings.from_environment().home / "vocabularies")
    if vocabulary is None and search is None:
        rows = [[v.ident, v.title(lang), len(v)] for v in vocabularies]
        if as_json:
            emit_json([{"id": r[0], "title": r[1], "terms": r[2]} for r in rows])
            return
        table("vocabularies", ["id", "title", "terms"], rows)
        return
    chosen = [vocabularies[vocabulary]] if vocabulary else list(vocabularies)
    found = []
    for vocab in chosen:
        terms = vocab.search(search) if search else list(vocab.walk())
        found += [(vocab, term) for term in terms]
    if as_json:
        emit_json(
            [
                {
                    "vocabulary": v.ident,
                    "code": t.code,
                    "parent": t.parent,
                    "labels": t.labels,
                    "notes": t.notes,
                    "local": t.local,
                }
                for v, t in found
            ]
        )
        return
    other = "ru" if lang == "en" else "en"
    table(
        None,
        ["vocabulary", "code", lang, other],
        [
            [v.ident, "  " * v.depth(t.code) + t.code, t.label(lang), t.labels.get(other, "")]
            for v, t in found
        ],
    )
    if not found:
        console.print("no matching terms")


COMMANDS = (
    show_command,
    list_command,
    history_command,
    edit_command,
    delete_command,
    overview_command,
    vocab_command,
)
