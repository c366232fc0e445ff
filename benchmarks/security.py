"""`python -m benchmarks.security`: sign-in, the cost of sealing on import, key rotation.

- Sign-in: a new instance with the production Argon2id parameters; each run opens it afresh
  and signs in (on the embedded database that includes opening the encrypted file).
- Sealing: the same file of persons (identities in plaintext-sealing form) is imported twice,
  once with the compartment's real cipher and once with sealing switched off by a cipher that
  leaves values as they are. That switch exists only here.
- Rotation: a member leaves the compartment holding every person; the time to re-encrypt every
  sealed section (current records and history) is measured, and apart from it the time spent
  rewriting the name index under the new key in the same pass.

Figures go to the terminal and to benchmarks/output/security.json.
"""

import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from benchmarks.generate import Plan, generate, lines
from benchmarks.progress import progress_bar
from benchmarks.targets import BENCH_KDF, POSTGRES_ENV, Target, postgres_target, sqlite_target
from vigil.bootstrap import Vigil
from vigil.crypto.kdf import KdfParameters
from vigil.services import compartments
from vigil.services.ports import SealContext
from vigil.services.transfer import Importer
from vigil.services.workspace import DEFAULT_COMPARTMENT

OUTPUT = Path(__file__).resolve().parent / "output"
WORDS = "benchmark instance, not a secret"
LEAVER = "leaver"


class SealingOff:
    """A cipher that does not encrypt: the benchmark's switch for 'sealing off'. Never used
    outside this file."""

    key_version = 1

    def seal(self, plaintext: bytes, context: SealContext) -> bytes:
        return plaintext

    def open(self, sealed: bytes, context: SealContext) -> bytes:
        return sealed

    def version_of(self, sealed: bytes) -> int:
        return 1


def _persons_file(folder: Path, persons: int, console: Console) -> Path:
    path = folder / "persons.jsonl"
    plan = Plan(
        regions=1,
        towns_per_region=1,
        facilities_per_town=1,
        organisations=1,
        persons=persons,
        sources=1,
        incidents=0,
        claims=0,
    )
    with progress_bar(console) as bar:
        task = bar.add_task("generating persons", total=plan.records)
        manifest = generate(path, plan, 2017, lambda n: bar.advance(task, n))
    console.print(f"generated {manifest.records:,} records ({persons:,} persons)")
    return path


def _sign_in(target: Target, runs: int) -> dict[str, Any]:
    """Median wall time of opening the instance and signing in, production Argon2id."""
    Vigil.create(target.settings, WORDS).close()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        vigil = Vigil.open(target.settings)
        vigil.sign_in("admin", WORDS)
        times.append((time.perf_counter() - started) * 1000)
        vigil.close()
    kdf = KdfParameters(salt=b"")
    return {
        "median_ms": round(statistics.median(times[1:]), 1),
        "max_ms": round(max(times[1:]), 1),
        "runs": runs,
        "argon2id": {
            "time_cost": kdf.time_cost,
            "memory_kib": kdf.memory_kib,
            "lanes": kdf.parallelism,
        },
    }


def _import(target: Target, path: Path, sealing: bool, console: Console) -> tuple[Vigil, float]:
    vigil = Vigil.create(target.settings, WORDS, kdf=BENCH_KDF)
    if not sealing:
        vigil.workspace.ciphers[DEFAULT_COMPARTMENT] = SealingOff()
    records = sum(1 for _ in lines(path)) - 1
    with progress_bar(console) as bar:
        what = "sealed" if sealing else "sealing off"
        task = bar.add_task(f"importing into {target.name} ({what})", total=records)
        importer = Importer(vigil.workspace, vigil.keyring, None, lambda n: bar.advance(task, n))
        started = time.perf_counter()
        importer.run(lines(path))
        seconds = time.perf_counter() - started
    return vigil, seconds


def _rotation(vigil: Vigil, persons: int, console: Console) -> dict[str, Any]:
    assert vigil.session is not None  # noqa: S101 - Vigil.create signs in
    vigil.add_user(LEAVER, "documenter", WORDS, (DEFAULT_COMPARTMENT,))
    ws, store, keys, session = vigil.workspace, vigil.store, vigil.user_keys, vigil.session
    compartments.remove_member(ws, store, keys, session, DEFAULT_COMPARTMENT, LEAVER)
    total = compartments.sealed_count(ws, DEFAULT_COMPARTMENT)
    with progress_bar(console) as bar:
        task = bar.add_task("re-encrypting after a member left", total=total)
        started = time.perf_counter()
        result = compartments.rekey(
            ws,
            store,
            keys,
            session,
            DEFAULT_COMPARTMENT,
            progress=lambda n: bar.advance(task, n),
        )
        seconds = time.perf_counter() - started
    encrypting = seconds - result.index_seconds
    return {
        "persons": persons,
        "sealed_sections": result.resealed,
        "seconds": round(seconds, 2),
        "index_seconds": round(result.index_seconds, 2),
        "persons_per_second": round(persons / encrypting, 1),
        "with_index_persons_per_second": round(persons / seconds, 1),
        "sections_per_second": round(result.resealed / encrypting, 1),
    }


@contextmanager
def _targets(folder: Path, sqlite: bool, postgres: bool, name: str) -> Iterator[list[Target]]:
    with ExitStack() as stack:
        found = []
        if sqlite:
            found.append(sqlite_target(folder / name))
        url = os.environ.get(POSTGRES_ENV)
        if postgres and url:
            found.append(stack.enter_context(postgres_target(url, folder / name)))
        yield found


def _report(console: Console, figures: dict[str, Any]) -> None:
    grid = Table(title="security benchmarks", header_style="bold")
    grid.add_column("measure")
    grid.add_column("target")
    for name in figures:
        grid.add_column(name, justify="right")

    def row(label: str, target: str, cell: Any) -> None:
        grid.add_row(label, target, *(cell(f) for f in figures.values()))

    row("sign-in, median", "≤ 500 ms", lambda f: f"{f['sign_in']['median_ms']:,.0f} ms")
    row(
        "import, sealed",
        "",
        lambda f: f"{f['import']['sealed_records_per_second']:,.0f}/s",
    )
    row(
        "import, sealing off",
        "",
        lambda f: f"{f['import']['off_records_per_second']:,.0f}/s",
    )
    row("sealing slows import by", "≤ 25%", lambda f: f"{f['import']['slowdown_percent']:.1f}%")
    row(
        "rotation: re-encrypted persons per second",
        "≥ 5,000",
        lambda f: f"{f['rotation']['persons_per_second']:,.0f}",
    )
    row(
        "rotation with the name index rebuilt",
        "",
        lambda f: f"{f['rotation']['with_index_persons_per_second']:,.0f}/s",
    )
    console.print(grid)


@click.command()
@click.option("--persons", type=int, default=100_000, show_default=True)
@click.option("--runs", type=int, default=7, show_default=True, help="Sign-ins to time.")
@click.option("--sqlite/--no-sqlite", default=True, show_default=True)
@click.option(
    "--postgres/--no-postgres",
    default=True,
    show_default=True,
    help=f"Also benchmark PostgreSQL when {POSTGRES_ENV} is set.",
)
def main(persons: int, runs: int, sqlite: bool, postgres: bool) -> None:
    """Time sign-in, sealing on import and key rotation; print the figures."""
    console = Console()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as work:
        folder = Path(work)
        path = _persons_file(folder, persons, console)
        with _targets(folder, sqlite, postgres, "sign-in") as targets:
            for target in targets:
                figures[target.name] = {"sign_in": _sign_in(target, runs)}
        seconds: dict[str, dict[bool, float]] = {}
        for sealing in (False, True):
            name = "sealed" if sealing else "off"
            with _targets(folder, sqlite, postgres, name) as targets:
                for target in targets:
                    vigil, took = _import(target, path, sealing, console)
                    seconds.setdefault(target.name, {})[sealing] = took
                    if sealing:
                        figures[target.name]["rotation"] = _rotation(vigil, persons, console)
                    vigil.close()
        records = sum(1 for _ in lines(path)) - 1
        for name, took in seconds.items():
            figures[name]["import"] = {
                "records": records,
                "sealed_records_per_second": round(records / took[True], 1),
                "off_records_per_second": round(records / took[False], 1),
                "slowdown_percent": round((took[True] / took[False] - 1) * 100, 1),
            }
    _report(console, figures)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "security.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    console.print(f"figures written to {OUTPUT / 'security.json'}")


if __name__ == "__main__":
    main()
