"""`vigil user add|list|disable|enable|totp`: accounts, roles and second factors."""

import click

from vigil.cli.context import ask_passphrase, current_user, log, opened
from vigil.cli.output import emit_json, table
from vigil.services import accounts


@click.group()
def user() -> None:
    """User accounts: each has a role, a key pair and, optionally, a one-time-code factor."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(accounts.ROLES),
    help="What the user may do (see docs/permissions.md).",
)
@click.option(
    "--compartment",
    "compartments",
    multiple=True,
    default=("default",),
    show_default=True,
    help="Compartment whose key the user receives; repeatable.",
)
def add_user(name: str, role: str, compartments: tuple[str, ...]) -> None:
    """Create an account (administrators only); its passphrase is asked twice."""
    passphrase = ask_passphrase(True, f"Passphrase for {name}", "VIGIL_NEW_PASSPHRASE")
    with opened(unlock=True) as vigil:
        vigil.add_user(name, role, passphrase, compartments)
        vigil.workspace.record_event(
            "user-add", None, {"user": name, "role": role, "compartments": ",".join(compartments)}
        )
    log.info("added user %s", name)
    click.echo(f"added {name} ({role})")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_users(as_json: bool) -> None:
    """List accounts with their roles, second factor and state."""
    with opened() as vigil:
        assert vigil.session is not None  # noqa: S101 - opened() signs in
        users = accounts.list_users(vigil.store, vigil.session)
    rows = [
        {
            "name": u.name,
            "role": u.role,
            "totp": u.totp_sealed is not None,
            "disabled": u.disabled,
            "failed_sign_ins": u.failed_count,
        }
        for u in users
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        "users",
        ["name", "role", "one-time codes", "disabled", "failed sign-ins"],
        [
            [
                r["name"],
                r["role"],
                "yes" if r["totp"] else "no",
                "yes" if r["disabled"] else "",
                r["failed_sign_ins"] or "",
            ]
            for r in rows
        ],
    )


def _set_disabled(name: str, disabled: bool) -> None:
    with opened(unlock=True) as vigil:
        assert vigil.session is not None  # noqa: S101 - opened(unlock=True) signs in
        accounts.set_disabled(vigil.store, vigil.session, name, disabled)
        vigil.workspace.record_event(
            "user-disable" if disabled else "user-enable", None, {"user": name}
        )
    click.echo(f"{'disabled' if disabled else 'enabled'} {name}")


@user.command("disable")
@click.argument("name")
def disable_user(name: str) -> None:
    """Stop an account from signing in (administrators only)."""
    _set_disabled(name, True)


@user.command("enable")
@click.argument("name")
def enable_user(name: str) -> None:
    """Let a disabled account sign in again (administrators only)."""
    _set_disabled(name, False)


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(accounts.ROLES))
def change_role(name: str, role: str) -> None:
    """Give an account another role (administrators only; not one's own)."""
    with opened(unlock=True) as vigil:
        assert vigil.session is not None  # noqa: S101 - opened(unlock=True) signs in
        before = accounts.set_role(vigil.store, vigil.session, name, role)
        vigil.workspace.record_event("user-role", None, {"user": name, "from": before, "to": role})
    click.echo(f"{name} is now {role} (was {before})")


@user.command("totp")
def enrol_totp() -> None:
    """Enrol a one-time-code app for the signed-in user; the secret is shown once."""
    with opened(unlock=True) as vigil:
        assert vigil.session is not None  # noqa: S101 - opened(unlock=True) signs in
        secret, uri = accounts.enrol_totp(vigil.store, vigil.user_keys, vigil.session)
        vigil.workspace.record_event("totp-enrol", None, {"user": current_user()})
    click.echo("Add this to your one-time-code app now; it is not shown again.")
    click.echo(f"secret: {secret}")
    click.echo(f"uri:    {uri}")
