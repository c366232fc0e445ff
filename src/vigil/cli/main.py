"""The `vigil` command: records, queries, export and import, vocabularies, the overview."""

import click

from vigil import __version__
from vigil.cli import (
    adding,
    audit,
    compartments,
    finding,
    instance,
    recovery,
    serve,
    session,
    tokens,
    users,
    viewing,
)
from vigil.cli.context import VigilGroup


@click.group(cls=VigilGroup)
@click.version_option(__version__, prog_name="vigil")
def cli() -> None:
    """Vigil keeps what sources say about grave violations, with identities sealed.

    The instance folder is VIGIL_HOME; the passphrase is asked, or read from VIGIL_PASSPHRASE.
    """


for _group in (
    *adding.GROUPS,
    audit.audit,
    users.user,
    compartments.compartment,
    tokens.token,
    *recovery.GROUPS,
):
    cli.add_command(_group)
for _command in (
    *viewing.COMMANDS,
    *instance.COMMANDS,
    *session.COMMANDS,
    *recovery.COMMANDS,
    *serve.COMMANDS,
):
    cli.add_command(_command)
for _command in finding.PERSON_COMMANDS:
    adding.person.add_command(_command)


def main() -> None:
    """Run the command line."""
    cli(prog_name="vigil")
