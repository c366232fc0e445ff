"""What every command shares: the opened instance, the passphrase prompt, one-line errors."""

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from vigil.bootstrap import DEFAULT_USER, InstanceMissing, SettingInvalid, Settings, Vigil
from vigil.cli import agent
from vigil.domain.errors import DomainError
from vigil.services.accounts import NotAllowed, SignInFailed
from vigil.services.instance import AlreadyInitialised, NotInitialised
from vigil.services.ports import SealBroken, WrongPassphrase
from vigil.services.workspace import Locked, NotFound

EXPECTED = (
    DomainError,
    NotAllowed,
    SignInFailed,
    NotFound,
    Locked,
    WrongPassphrase,
    SealBroken,
    AlreadyInitialised,
    NotInitialised,
    InstanceMissing,
    SettingInvalid,
    agent.AgentFailed,
    OSError,
)

log = logging.getLogger("vigil")


def ask_passphrase(
    confirm: bool = False, prompt: str = "Passphrase", variable: str = "VIGIL_PASSPHRASE"
) -> str:
    """Return the passphrase from the environment or a hidden prompt."""
    value = os.environ.get(variable)
    if value:
        return value
    if not sys.stdin.isatty():
        if variable == "VIGIL_PASSPHRASE":
            raise Locked(
                "not signed in: run `vigil login`, set VIGIL_PASSPHRASE or run in a terminal"
            )
        raise Locked(f"a passphrase is needed: set {variable} or run in a terminal")
    answer: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return answer


def _log_to(settings: Settings) -> None:
    if log.handlers or not settings.home.is_dir():
        return
    handler = logging.FileHandler(settings.home / "vigil.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def current_user() -> str:
    """Return the user named by VIGIL_USER, or the first administrator's default name."""
    return os.environ.get("VIGIL_USER") or DEFAULT_USER


def sign_in(vigil: Vigil, use_agent: bool = True) -> None:
    """Sign in as VIGIL_USER: with the login session's keys when `vigil login` left an agent
    running and VIGIL_PASSPHRASE is unset, else with the passphrase and, where enrolled, the
    one-time code."""
    user = current_user()
    if use_agent and not os.environ.get("VIGIL_PASSPHRASE"):
        held = agent.fetch(vigil.settings.home)
        if held is not None and os.environ.get("VIGIL_USER", held.user) == held.user:
            vigil.resume(held)
            return
    passphrase = ask_passphrase()
    try:
        vigil.open_database(user, passphrase)
        account = vigil.store.get_user(user)
        code = None
        if account is not None and account.totp_sealed is not None:
            code = os.environ.get("VIGIL_TOTP") or (
                click.prompt("One-time code") if sys.stdin.isatty() else None
            )
        vigil.sign_in(user, passphrase, code)
    except SignInFailed as error:
        raise WrongPassphrase(f"{error}; nothing was changed") from None


@contextmanager
def opened(unlock: bool = True, use_agent: bool = True, locked_ok: bool = False) -> Iterator[Vigil]:
    """Open the instance named by the environment, sign in unless asked not to, close it after.

    An encrypted embedded database is signed into even when not asked, unless ``locked_ok``
    (trustee recovery and shredding work without anyone's passphrase).
    """
    settings = Settings.from_environment()
    vigil = Vigil.open(settings)
    _log_to(settings)
    try:
        if unlock or (vigil.locked and not locked_ok):
            sign_in(vigil, use_agent)
        yield vigil
    finally:
        vigil.close()


class VigilGroup(click.Group):
    """A command group that turns every failure into one line and a non-zero exit.

    An unexpected failure logs only its type and stack frames: an exception message could
    quote a value, and sealed values never reach the log.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EXPECTED as error:
            log.info("command failed: %s", type(error).__name__)
            raise click.ClickException(str(error) or type(error).__name__) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("internal error %s\n%s", type(error).__name__, frames)
            raise click.ClickException(
                f"internal error ({type(error).__name__}); nothing more was changed. "
                "The log in the instance folder has the details"
            ) from None
