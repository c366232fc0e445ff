"""`python -m benchmarks.run`: generate a synthetic export, import it, time listings and look-ups.

Every figure is measured through Vigil's own code: the file has the `vigil export` format, the
import runs `Importer` (in a child process, so that its peak memory is its own), the listings
run `list_records` and the name look-ups `find_persons` over the imported persons. Figures go
to the terminal and to benchmarks/output/latest.json.
"""

import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy
from rich.console import Console

from benchmarks.generate import Manifest, Plan, generate
from benchmarks.progress import progress_bar
from benchmarks.report import TARGETS, print_report
from benchmarks.sealing import seal_file
from benchmarks.targets import POSTGRES_ENV, Target, postgres_target, server_version, sqlite_target
from benchmarks.worker import PARENT_ACT_TYPE, PERIOD, Config
from vigil.services.vocabularies import load_vocabularies

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"

SEALING = {
    "sealed": "sealed file (as `vigil export --file-passphrase` writes it): the importer opens "
    "every identity with the file key and seals it again with the instance key",
    "plaintext": "plaintext-sealing file (`sealed_plain`): the importer seals every identity "
    "with the instance key on the way in",
}


@contextmanager
def _work_folder(parent: Path | None, keep: bool) -> Iterator[Path]:
    if keep:
        yield Path(tempfile.mkdtemp(prefix="vigil-bench-", dir=parent))
        return
    with tempfile.TemporaryDirectory(prefix="vigil-bench-", dir=parent) as folder:
        yield Path(folder)


def _generate(console: Console, plan: Plan, seed: int, path: Path) -> tuple[Manifest, float]:
    with progress_bar(console) as bar:
        task = bar.add_task("generating records", total=plan.records)
        started = time.perf_counter()
        manifest = generate(path, plan, seed, lambda n: bar.advance(task, n))
        seconds = time.perf_counter() - started
    console.print(
        f"generated {manifest.records:,} records ({manifest.bytes / 2**20:,.0f} MiB) "
        f"in {seconds:,.1f} s"
    )
    return manifest, seconds


def _seal(console: Console, manifest: Manifest, plain: Path, sealed: Path) -> float:
    with progress_bar(console) as bar:
        task = bar.add_task("sealing identities", total=manifest.records)
        started = time.perf_counter()
        seal_file(plain, sealed, lambda n: bar.advance(task, n))
        seconds = time.perf_counter() - started
    console.print(f"sealed the identities under a file passphrase in {seconds:,.1f} s")
    return seconds


def _measure(
    console: Console, target: Target, path: Path, manifest: Manifest, options: Any, folder: Path
) -> dict[str, Any]:
    """Create the instance, import and list in a child process: its peak memory is its own."""
    console.rule(f"[bold]{target.name}")
    result = folder / f"{target.name}-result.json"
    config = Config(
        target=target.name,
        home=str(target.settings.home),
        database_url=target.settings.database_url,
        file=str(path),
        sealed=options["sealing"] == "sealed",
        records=manifest.records,
        region=manifest.regions[0],
        runs=options["runs"],
        result=str(result),
        profile_dir=str(OUTPUT) if options["profile"] else None,
        lookups=options["lookups"],
    )
    config_path = folder / f"{target.name}-config.json"
    config.save(config_path)
    subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", str(config_path)], cwd=HERE.parent, check=True
    )
    figures: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return figures


def _list_filters(plan: Plan) -> dict[str, Any]:
    places = 1 + plan.towns_per_region * (1 + plan.facilities_per_town)
    act_types = load_vocabularies()["act-type"].descendants(PARENT_ACT_TYPE)
    return {
        "kind": "incident",
        "period": PERIOD,
        "limit": 50,
        "place": f"the first region ({places} places in its subtree)",
        "act_type": f"{PARENT_ACT_TYPE} ({len(act_types)} terms in its subtree)",
    }


def _environment(postgres_url: str | None) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "postgresql": server_version(postgres_url) if postgres_url else None,
    }


@click.command()
@click.option(
    "--scale",
    type=click.FloatRange(min=0.0001),
    default=1.0,
    show_default=True,
    help="Share of the full data set (about 700,000 records); 0.01 for a smoke run.",
)
@click.option("--sqlite/--no-sqlite", default=True, show_default=True, help="Benchmark SQLite.")
@click.option(
    "--postgres/--no-postgres",
    default=None,
    help=f"Also benchmark PostgreSQL at ${POSTGRES_ENV} [default: when it is set].",
)
@click.option(
    "--sealing",
    type=click.Choice(sorted(SEALING)),
    default="sealed",
    show_default=True,
    help="How the identities in the file are sealed.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Timed runs of each listing (after a warm-up).",
)
@click.option(
    "--lookups/--no-lookups",
    default=True,
    show_default=True,
    help="Time `find_persons` by name over the imported persons (100,000 at scale 1).",
)
@click.option("--seed", type=int, default=2017, show_default=True)
@click.option(
    "--profile",
    is_flag=True,
    help="Profile the import and one listing; write .prof files to benchmarks/output.",
)
@click.option(
    "--keep",
    is_flag=True,
    help="Keep the generated files, the SQLite instance and the PostgreSQL schema.",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the temporary files go [default: the system temporary folder].",
)
def main(
    scale: float,
    sqlite: bool,
    postgres: bool | None,
    sealing: str,
    runs: int,
    lookups: bool,
    seed: int,
    profile: bool,
    keep: bool,
    work_dir: Path | None,
) -> None:
    """Benchmark importing an export, listing incidents and finding persons by name."""
    console = Console()
    # Stopped from outside, still drop the temporary files and the PostgreSQL schema.
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    postgres_url = os.environ.get(POSTGRES_ENV) or None
    if postgres is None:
        postgres = postgres_url is not None
    if postgres and not postgres_url:
        raise click.UsageError(
            f"--postgres needs ${POSTGRES_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test"
        )
    if not (sqlite or postgres):
        raise click.UsageError("nothing to benchmark: give --sqlite or --postgres")
    plan = Plan.at_scale(scale)
    load_before = os.getloadavg()[0]
    options = {"sealing": sealing, "runs": runs, "profile": profile, "lookups": lookups}
    OUTPUT.mkdir(exist_ok=True)
    console.print(f"Vigil benchmark: scale {scale}, {plan.records:,} records, seed {seed}")
    console.print(f"sealing: {SEALING[sealing]}")
    results: dict[str, Any] = {}
    with _work_folder(work_dir, keep) as folder:
        path = folder / "generated-plaintext.jsonl"
        manifest, generate_seconds = _generate(console, plan, seed, path)
        seal_seconds = None
        if sealing == "sealed":
            plain, path = path, folder / "generated-sealed.jsonl"
            seal_seconds = _seal(console, manifest, plain, path)
            plain.unlink()
        name = "sqlite"
        try:
            if sqlite:
                results[name] = _measure(
                    console, sqlite_target(folder), path, manifest, options, folder
                )
            if postgres and postgres_url:
                name = "postgresql"
                with postgres_target(postgres_url, folder, keep) as target:
                    results[name] = _measure(console, target, path, manifest, options, folder)
        except subprocess.CalledProcessError:
            failed = f"the {name} run failed (see above)"
            if not results:
                raise click.ClickException(failed) from None
            console.print(f"[red]{failed}; reporting the other figures[/red]")
        if keep:
            console.print(f"kept the files and instances in {folder}")
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "seed": seed,
        "sealing": sealing,
        "sealing_means": SEALING[sealing],
        "records": manifest.records,
        "counts": manifest.counts,
        "file_bytes": manifest.bytes,
        "generate_seconds": round(generate_seconds, 2),
        "seal_seconds": None if seal_seconds is None else round(seal_seconds, 2),
        "targets": TARGETS,
        "list_filters": _list_filters(plan),
        "results": results,
        "environment": _environment(postgres_url if postgres else None),
        # Other work on the machine slows every figure: the 1-minute load before and after.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    (OUTPUT / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(console, report)
    console.print(f"figures written to {(OUTPUT / 'latest.json').relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
