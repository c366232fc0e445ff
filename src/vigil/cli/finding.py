"""`vigil person find|reindex`: finding a person by name through the blind index."""

import sys
from typing import Any

import click

from vigil.cli.context import log, opened
from vigil.cli.output import console, emit_json, table
from vigil.domain.errors import DomainError
from vigil.services.person_search import DEFAULT_LIMIT, find_persons, reindex_compartment


def _name(argument: str) -> str:
    if argument != "-":
        return argument
    line = sys.stdin.readline().strip()
    if not line:
        raise DomainError("no name on standard input; nothing was searched")
    return line


@click.command("find")
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Show the names of the matches (audited as a reveal).")
@click.option(
    "--limit", default=DEFAULT_LIMIT, show_default=True, help="At most this many matches."
)
@click.option("--json", "as_json", is_flag=True)
def find_command(name: str, reveal: bool, limit: int, as_json: bool) -> None:
    """Find persons by name in any script, through the blind index; NAME may be '-' for stdin."""
    searched = _name(name)
    with opened(unlock=True) as vigil:
        result = find_persons(vigil.workspace, searched, limit=limit, reveal=reveal)
    log.info("searched persons by name: %d matches", len(result.matches))
    rows: list[dict[str, Any]] = [
        {
            "code": m.code,
            "score": round(m.score, 2),
            "exact": m.exact,
            "phonetic": m.phonetic,
            "tokens": m.tokens,
            "compartment": m.compartment,
            **({"names": list(m.names)} if reveal else {}),
        }
        for m in result.matches
    ]
    if as_json:
        emit_json({"matches": rows, "checked": result.checked, "complete": result.complete})
        return
    columns = ["code", "score", "exact", "phonetic", "compartment"] + (["names"] if reveal else [])
    table(
        f"persons: {len(rows)} found, {result.checked} candidates checked",
        columns,
        [
            [
                r["code"],
                f"{r['score']:.2f}",
                f"{r['exact']}/{r['tokens']}",
                f"{r['phonetic']}/{r['tokens']}",
                r["compartment"],
                *(["; ".join(r["names"])] if reveal else []),
            ]
            for r in rows
        ],
    )
    if not result.complete:
        console.print("more candidates than could be checked: give more of the name")


@click.command("reindex")
def reindex_command() -> None:
    """Rebuild the name index of every compartment you hold a key to."""
    with opened(unlock=True) as vigil:
        counts = {
            target.compartment: reindex_compartment(vigil.workspace, target)
            for target in vigil.workspace.name_indexes.values()
        }
    for compartment, count in sorted(counts.items()):
        log.info("rebuilt the name index of %s: %d persons", compartment, count)
        click.echo(f"compartment {compartment}: {count} persons indexed")


PERSON_COMMANDS = (find_command, reindex_command)
