"""`vigil compartment list|create|add-member|remove-member|rekey`: who may read what."""

from typing import Any

import click
from rich.progress import Progress

from vigil.bootstrap import Vigil
from vigil.cli.context import log, opened
from vigil.cli.output import emit_json, table
from vigil.services import compartments as service
from vigil.services.accounts import Session
from vigil.services.recovery import PUBLIC_KEY_SETTING


@click.group()
def compartment() -> None:
    """Compartments: every record belongs to one; only its members hold its key."""


def _session(vigil: Vigil) -> Session:
    assert vigil.session is not None  # noqa: S101 - opened() signs in
    return vigil.session


@compartment.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_compartments(as_json: bool) -> None:
    """List compartments (all for administrators, your own for others) and their members."""
    with opened() as vigil:
        found = service.list_compartments(vigil.store, _session(vigil))
    rows: list[dict[str, Any]] = [
        {
            "name": c.name,
            "key_version": c.key_version,
            "members": list(c.members),
            "rekey_pending": c.rekey_pending,
        }
        for c in found
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        "compartments",
        ["name", "key version", "members", "re-encryption"],
        [
            [
                r["name"],
                r["key_version"],
                ", ".join(r["members"]),
                "pending" if r["rekey_pending"] else "",
            ]
            for r in rows
        ],
    )


@compartment.command("create")
@click.argument("name")
@click.option("--member", "members", multiple=True, help="User who receives the key; repeatable.")
def create_compartment(name: str, members: tuple[str, ...]) -> None:
    """Create a compartment with a new key, held by you and the named members."""
    with opened() as vigil:
        service.create(
            vigil.workspace, vigil.store, vigil.user_keys, _session(vigil), name, members
        )
        click.echo(f"created compartment {name!r}")
        _remind_wraps(vigil)
    log.info("created a compartment")


@compartment.command("add-member")
@click.argument("name")
@click.argument("user")
def add_member(name: str, user: str) -> None:
    """Give a user the compartment's keys (you must hold them)."""
    with opened() as vigil:
        service.add_member(
            vigil.workspace, vigil.store, vigil.user_keys, _session(vigil), name, user
        )
    click.echo(f"{user} is now a member of {name!r}")


def _remind_wraps(vigil: Vigil) -> None:
    """A new key version is wrapped to the recovery key on the instance; the off-machine copy
    of the wraps does not have it until it is written again."""
    if vigil.store.read_setting(PUBLIC_KEY_SETTING) is not None:
        click.echo(
            "the recovery wraps changed: write a new off-machine copy with "
            "`vigil recovery wraps FILE`, or a shred would lose this key"
        )


def _rekey(vigil: Vigil, name: str) -> None:
    total = service.sealed_count(vigil.workspace, name)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"re-encrypting {name}", total=total)
        result = service.rekey(
            vigil.workspace,
            vigil.store,
            vigil.user_keys,
            _session(vigil),
            name,
            progress=lambda n: bar.advance(task, n),
        )
    click.echo(
        f"re-encrypted {result.resealed} sealed sections of {name!r}; "
        f"{result.wraps_deleted} old key wraps deleted"
    )


@compartment.command("remove-member")
@click.argument("name")
@click.argument("user")
@click.option(
    "--later",
    is_flag=True,
    help="Only rotate the key now; re-encrypt the existing data later with `rekey`.",
)
def remove_member(name: str, user: str, later: bool) -> None:
    """Take a user's keys away: a new key version, then re-encryption of the compartment."""
    with opened() as vigil:
        version = service.remove_member(
            vigil.workspace, vigil.store, vigil.user_keys, _session(vigil), name, user
        )
        click.echo(f"removed {user} from {name!r}; new data is sealed under key version {version}")
        if not later:
            _rekey(vigil, name)
        _remind_wraps(vigil)


@compartment.command("rekey")
@click.argument("name")
def rekey(name: str) -> None:
    """Re-encrypt a compartment under its current key version (resumes an interrupted run)."""
    with opened() as vigil:
        _rekey(vigil, name)


COMMANDS = (compartment,)
