"""`vigil init|demo|export|import`: creating an instance and moving its records in and out."""

import os
from pathlib import Path

import click
from rich.progress import Progress

from vigil.bootstrap import Settings, Vigil
from vigil.cli.context import ask_passphrase, current_user, log, opened
from vigil.cli.csv_export import write_csv
from vigil.services.demo import demo_size, load_demo
from vigil.services.querying import overview
from vigil.services.transfer import ExportOptions, Importer, write_export


@click.command("init")
def init_command() -> None:
    """Create a new instance: its first administrator (VIGIL_USER, default admin) and keys."""
    settings = Settings.from_environment()
    passphrase = ask_passphrase(confirm=True, prompt="Passphrase for the first administrator")
    vigil = Vigil.create(settings, passphrase, user=current_user())
    vigil.close()
    click.echo(f"created a Vigil instance in {settings.home}")


@click.command("demo")
def demo_command() -> None:
    """Create a new instance holding the Chechnya 2017–2019 demonstration data."""
    settings = Settings.from_environment()
    passphrase = ask_passphrase(confirm=True, prompt="Passphrase for the first administrator")
    vigil = Vigil.create(settings, passphrase, user=current_user())
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task("loading demonstration records", total=demo_size())
            codes = load_demo(vigil.workspace, lambda n: bar.advance(task, n))
        totals = overview(vigil.workspace).records
    finally:
        vigil.close()
    click.echo(
        f"loaded {len(codes)} demonstration records into {settings.home}: "
        + ", ".join(f"{n} {k.value}" for k, n in totals.items())
    )


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option(
    "--format",
    "form",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl: everything, lossless; csv: a file per kind.",
)
@click.option(
    "--file-passphrase",
    is_flag=True,
    help="Seal the file under a new passphrase (asked, or VIGIL_FILE_PASSPHRASE).",
)
@click.option(
    "--plaintext-identities",
    is_flag=True,
    help="Write identities and testimony in PLAINTEXT. Dangerous; say so explicitly.",
)
def export_command(
    path: Path, form: str, file_passphrase: bool, plaintext_identities: bool
) -> None:
    """Export every record and version; sealed values stay sealed unless told otherwise."""
    if form == "csv":
        with opened(unlock=True) as vigil:
            written = write_csv(vigil.workspace, path)
        click.echo(f"wrote {', '.join(written)} to {path} (sealed sections are left out)")
        return
    if plaintext_identities:
        click.echo(
            "warning: writing identities and testimony in PLAINTEXT to "
            f"{path}; anyone who gets this file can read them",
            err=True,
        )
    target = (
        ask_passphrase(True, "Passphrase for the file", "VIGIL_FILE_PASSPHRASE")
        if file_passphrase
        else None
    )
    with opened(unlock=True) as vigil:
        options = ExportOptions(
            passphrase=target or vigil.passphrase or ask_passphrase(),
            plaintext=plaintext_identities,
        )
        with path.open("w", encoding="utf-8") as out, Progress(transient=True) as bar:
            if not plaintext_identities:
                os.chmod(path, 0o600)
            task = bar.add_task("exporting", total=None)
            count = write_export(
                vigil.workspace, vigil.keyring, options, out, lambda n: bar.advance(task, n)
            )
    log.info("exported %s versions (plaintext=%s)", count, plaintext_identities)
    click.echo(f"exported {count} versions to {path}")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--file-passphrase",
    is_flag=True,
    help="The file was sealed under its own passphrase (asked, or VIGIL_FILE_PASSPHRASE).",
)
def import_command(path: Path, file_passphrase: bool) -> None:
    """Import an export file: all of it in one transaction, or nothing."""
    other = (
        ask_passphrase(False, "Passphrase of the file", "VIGIL_FILE_PASSPHRASE")
        if file_passphrase
        else None
    )
    with (
        opened(unlock=True) as vigil,
        path.open(encoding="utf-8") as lines,
        Progress(transient=True) as bar,
    ):
        task = bar.add_task("importing", total=None)
        importer = Importer(
            vigil.workspace,
            vigil.keyring,
            other or vigil.passphrase or ask_passphrase(),
            lambda n: bar.advance(task, n),
        )
        count = importer.run(lines)
    log.info("imported %s records", count)
    click.echo(f"imported {count} records from {path}")


COMMANDS = (init_command, demo_command, export_command, import_command)
