"""`vigil audit show|verify|head`: the signed, hash-chained record of who did what."""

import click

from vigil.cli.context import opened
from vigil.cli.output import console, emit_json, table
from vigil.crypto.audit_log import VERIFY_KEY_SETTING, current_head, verify_log
from vigil.services.auditing import audit_entries


@click.group()
def audit() -> None:
    """The audit log: every change, reveal, export and import, signed and chained."""


@audit.command("show")
@click.option("--actor", help="Only entries by this user.")
@click.option("--record", help="Only entries about this record code.")
@click.option("--since", help="Only entries at or after this ISO time, e.g. 2026-11-01.")
@click.option("--until", help="Only entries at or before this ISO time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def show_audit(
    actor: str | None, record: str | None, since: str | None, until: str | None, as_json: bool
) -> None:
    """List audit entries, oldest first, filtered by user, record and time."""
    with opened() as vigil:
        rows = list(audit_entries(vigil.workspace, vigil.store, actor, record, since, until))
    if as_json:
        emit_json(
            [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "actor": r.actor,
                    "action": r.action,
                    "record": r.record,
                    "details": r.details,
                }
                for r in rows
            ]
        )
        return
    table(
        "audit log",
        ["seq", "at", "actor", "action", "record", "details"],
        [
            [
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.record,
                ", ".join(f"{k}={v}" for k, v in sorted(r.details.items())),
            ]
            for r in rows
        ],
    )


@audit.command("verify")
@click.option("--head", "published", help="A head printed earlier by `vigil audit head`.")
def verify_audit(published: str | None) -> None:
    """Check every entry's hash, signature and link; with --head, that no tail was cut."""
    with opened() as vigil:
        key = vigil.store.read_setting(VERIFY_KEY_SETTING)
        if key is None:
            raise click.ClickException("this instance has no audit key yet: nothing to verify")
        try:
            problems = verify_log(audit_entries(vigil.workspace, vigil.store), key, published)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    if not problems:
        console.print(
            "audit log intact" + (" up to and beyond the published head" if published else "")
        )
        return
    for problem in problems:
        where = f"entry {problem.seq}" if problem.seq is not None else "end of log"
        click.echo(
            f"position {problem.position} ({where}): {problem.kind}: {problem.message}", err=True
        )
    raise click.ClickException(f"the audit log has been tampered with: {len(problems)} problems")


@audit.command("head")
def audit_head() -> None:
    """Print the newest entry's head, to publish where no one here can change it."""
    with opened() as vigil:
        vigil.workspace.require("audit.read")
        head = current_head(vigil.store)
    if head is None:
        raise click.ClickException("the audit log is empty")
    click.echo(head)
