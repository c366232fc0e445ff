"""`vigil recovery split|restore|wraps` and `vigil shred`: trustee recovery and emergency shredding.

Shares and keys are printed or read here and never logged.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from vigil.cli import agent
from vigil.cli.context import ask_passphrase, log, opened
from vigil.services.recovery import (
    RecoveryFailed,
    WrapsFile,
    read_wraps_document,
)
from vigil.services.shredding import CONFIRMATION


@contextmanager
def _one_line_errors() -> Iterator[None]:
    try:
        yield
    except RecoveryFailed as error:
        log.info("command failed: %s", type(error).__name__)
        raise click.ClickException(str(error)) from None


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def _check_writable(path: Path) -> None:
    folder = path.resolve().parent
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise click.ClickException(f"cannot write the wraps file {path}; nothing was changed")


@click.group()
def recovery() -> None:
    """Trustee recovery: a recovery key split k-of-n, for users who lost their passphrase."""


@recovery.command("split")
@click.option(
    "--threshold",
    type=int,
    required=True,
    help="How many shares (k) bring the key back; at least 2.",
)
@click.option(
    "--shares",
    type=int,
    required=True,
    help="How many trustees (n) receive a share; at most 16.",
)
@click.option(
    "--wraps-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the recovery wraps to this file, to keep off this machine.",
)
def split_command(threshold: int, shares: int, wraps_file: Path | None) -> None:
    """Create a new recovery key, wrap every compartment key you hold to it, print its shares."""
    if wraps_file is not None:
        _check_writable(wraps_file)
    with _one_line_errors(), opened(unlock=True) as vigil:
        split = vigil.split_recovery(threshold, shares)
    log.info("recovery key split %s of %s", threshold, shares)
    click.echo(
        f"A new recovery key is split {threshold} of {shares}; any {threshold} shares bring it "
        "back. It replaces any earlier split: shares handed out before no longer work."
    )
    click.echo(
        "Give each trustee one share now. The shares are shown only this once and stored nowhere."
    )
    click.echo(f"Fingerprint (to check a restore, not secret): {split.fingerprint}")
    click.echo("")
    for number, share in enumerate(split.shares, start=1):
        click.echo(f"share {number}: {share}")
    click.echo("")
    click.echo("wrapped: " + ", ".join(f"{name} v{version}" for name, version in split.wrapped))
    if split.not_wrapped:
        click.echo(
            "NOT wrapped, so not recoverable (you hold no key of these; split again once you "
            "are a member): "
            + ", ".join(f"{name} v{version}" for name, version in split.not_wrapped)
        )
    if wraps_file is not None:
        try:
            _write_private(wraps_file, split.wraps_document)
        except OSError as error:
            raise click.ClickException(
                f"the split is done but the wraps file could not be written ({error.strerror}); "
                "write it with `vigil recovery wraps FILE`"
            ) from None
        click.echo(f"wrote the recovery wraps to {wraps_file}: keep a copy away from this machine")
    else:
        click.echo(
            "No wraps file was written: after `vigil shred`, only a wraps file kept away from "
            "this machine (`vigil recovery wraps FILE`) lets the shares bring the data back."
        )


@recovery.command("wraps")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def wraps_command(path: Path) -> None:
    """Write this instance's recovery wraps to a file, to keep off this machine."""
    _check_writable(path)
    with _one_line_errors(), opened() as vigil:
        document = vigil.recovery_wraps()
    _write_private(path, document)
    click.echo(f"wrote the recovery wraps to {path}: keep a copy away from this machine")


def _read_shares(shares_file: Path | None) -> list[str]:
    if shares_file is not None:
        lines = shares_file.read_text(encoding="utf-8").splitlines()
    elif sys.stdin.isatty():
        click.echo("Type one share per line; an empty line ends.", err=True)
        lines = []
        while line := click.prompt(
            f"Share {len(lines) + 1}", hide_input=True, default="", show_default=False
        ):
            lines.append(line)
    else:
        lines = sys.stdin.read().splitlines()
    shares = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not shares:
        raise click.ClickException("no shares given; nothing was changed")
    return shares


@recovery.command("restore")
@click.option("--user", "name", required=True, help="The user who gets new keys.")
@click.option(
    "--shares-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the shares from this file, one per line (default: standard input).",
)
@click.option(
    "--wraps-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The off-machine copy of the recovery wraps, when this instance's were shredded.",
)
@click.option(
    "--compartment",
    "compartments",
    multiple=True,
    help="A compartment the user gets the keys of, besides those they held; repeatable.",
)
def restore_command(
    name: str, shares_file: Path | None, wraps_file: Path | None, compartments: tuple[str, ...]
) -> None:
    """Give a user a new passphrase and their compartments' keys back, with k trustees' shares."""
    shares = _read_shares(shares_file)
    passphrase = ask_passphrase(True, f"New passphrase for {name}", "VIGIL_NEW_PASSPHRASE")
    with _one_line_errors():
        wraps: WrapsFile | None = None
        if wraps_file is not None:
            wraps = read_wraps_document(wraps_file.read_text(encoding="utf-8"))
        with opened(unlock=False, locked_ok=True) as vigil:
            restored = vigil.restore_user(name, shares, passphrase, wraps, compartments)
    log.info("recovery restored user %s", name)
    click.echo(
        f"restored {name}: a new key pair under the new passphrase, with the keys of "
        f"{', '.join(restored.compartments)}"
    )
    click.echo(f"recovery key fingerprint: {restored.fingerprint}")
    if restored.reinstalled_wraps:
        click.echo("the recovery wraps from the file are back on this instance")
    click.echo("one-time codes must be enrolled again (`vigil user totp`)")


@click.command("shred")
@click.option(
    "--yes-destroy-all-keys",
    "confirmed",
    is_flag=True,
    help="Do not ask for the confirmation phrase (for scripts).",
)
def shred_command(confirmed: bool) -> None:
    """Destroy every key on this instance, so that its sealed data cannot be read; no sign-in."""
    with opened(unlock=False, locked_ok=True) as vigil:
        if not confirmed:
            click.echo(
                "This destroys every key on this instance: compartment keys, users' private "
                "keys and one-time-code secrets. Sealed data becomes unreadable, even with the "
                "passphrases. Only k trustees' shares together with a wraps file kept off this "
                "machine can bring it back; without that file, this is final.",
                err=True,
            )
            typed = click.prompt(f'Type "{CONFIRMATION}" to go on', err=True)
            if typed.strip() != CONFIRMATION:
                raise click.ClickException("the phrase did not match; nothing was changed")
        shredded = vigil.shred()
        if agent.stop(vigil.settings.home):
            click.echo("ended the login session, which held keys in memory")
    log.info("shredded every key")
    click.echo(
        "destroyed " + ", ".join(f"{count} {what}" for what, count in shredded.counts.items())
    )
    for path in shredded.key_files:
        click.echo(f"destroyed the key file {path}")
    if not shredded.compacted:
        click.echo(
            "warning: another program has the database open, so old pages may remain in its "
            "write-ahead log; close it and run `vigil shred` again",
            err=True,
        )


COMMANDS = (shred_command,)
GROUPS = (recovery,)
