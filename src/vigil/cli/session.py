"""`vigil login|logout`: one sign-in for a series of commands, kept by an agent in memory."""

import click

from vigil.bootstrap import Settings, Vigil
from vigil.cli import agent
from vigil.cli.context import log, opened


def _minutes(value: float) -> str:
    return f"{value:g} minute{'s' if value != 1 else ''}"


@click.command("login")
def login_command() -> None:
    """Sign in once; later commands of this OS user need no passphrase until logout or idle."""
    settings = Settings.from_environment()
    with opened(unlock=True, use_agent=False) as vigil:
        held = vigil.held_keys()
        agent.stop(settings.home)
        agent.start(settings.home, held, settings.session_minutes)
        try:
            vigil.workspace.record_event(
                "login", None, {"idle_minutes": f"{settings.session_minutes:g}"}
            )
        except BaseException:
            agent.stop(settings.home)
            raise
    log.info("login session started")
    click.echo(
        f"signed in as {held.user}; commands need no passphrase until `vigil logout` "
        f"or {_minutes(settings.session_minutes)} without use"
    )


@click.command("logout")
def logout_command() -> None:
    """End the login session: the agent forgets the keys and exits."""
    settings = Settings.from_environment()
    held = agent.fetch(settings.home)
    if held is None:
        click.echo("no login session was running")
        return
    try:
        vigil = Vigil.open(settings)
        try:
            vigil.resume(held)
            vigil.workspace.record_event("logout", None, {})
        finally:
            vigil.close()
    finally:
        agent.stop(settings.home)
    log.info("login session ended")
    click.echo(f"signed out {held.user}; the login session's keys are forgotten")


COMMANDS = (login_command, logout_command)
