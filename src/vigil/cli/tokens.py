"""`vigil token create|list|revoke`: API tokens for scripts using /api/v1."""

from typing import Any

import click

from vigil.cli.context import log, opened
from vigil.cli.output import emit_json, table
from vigil.services.tokens import DEFAULT_DAYS, MAX_DAYS, SCOPES


@click.group()
def token() -> None:
    """API tokens: scoped, expiring credentials for scripts that use the JSON API."""


@token.command("create")
@click.argument("name")
@click.option(
    "--scope",
    type=click.Choice(tuple(SCOPES)),
    default="read",
    show_default=True,
    help="read: list and show records; read-write: also add and edit them.",
)
@click.option(
    "--compartment",
    "compartments",
    multiple=True,
    required=True,
    help="Compartment the token may read (and write); repeatable; you must be a member.",
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help=f"Days until the token expires (at most {MAX_DAYS}).",
)
@click.option(
    "--reveal",
    is_flag=True,
    help="Let the token open sealed sections on request (audited); not for analysts.",
)
def create(name: str, scope: str, compartments: tuple[str, ...], days: int, reveal: bool) -> None:
    """Create a token for the signed-in user; it is printed once and kept nowhere."""
    with opened(unlock=True) as vigil:
        new = vigil.create_token(name, scope, compartments, days, reveal)
    log.info("created API token %s", new.row.id)
    click.echo(
        f"token {new.row.id} ({scope}, {', '.join(compartments)}), expires {new.row.expires_at}"
    )
    click.echo("Copy it now; it is not shown again:", err=True)
    click.echo(new.text)


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_tokens(as_json: bool) -> None:
    """List your tokens (never their secrets) with their scope, compartments and state."""
    with opened(unlock=True) as vigil:
        rows = vigil.list_tokens()
        now = vigil.workspace.clock()
    data: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.label,
            "scope": r.scope,
            "compartments": list(r.compartment_names),
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "state": r.state(now),
            "reveal": r.reveal,
        }
        for r in rows
    ]
    if as_json:
        emit_json(data)
        return
    table(
        "API tokens",
        ["id", "name", "scope", "reveal", "compartments", "expires", "state"],
        [
            [
                d["id"],
                d["name"],
                d["scope"],
                "yes" if d["reveal"] else "",
                ", ".join(d["compartments"]),
                d["expires_at"],
                d["state"],
            ]
            for d in data
        ],
    )


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke a token by its id (administrators may revoke anyone's); it stops at once."""
    with opened(unlock=True) as vigil:
        row = vigil.revoke_token(token_id)
    log.info("revoked API token %s", row.id)
    click.echo(f"revoked token {row.id} of {row.user}")
