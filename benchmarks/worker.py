"""One measured run in a process of its own, so that its peak memory is its own.

`python -m benchmarks.worker CONFIG.json` opens an instance, imports a file into it through
`Importer`, then times filtered listings through `list_records` and name look-ups through
`find_persons`, and writes its figures to the result path named in the config.
"""

import cProfile
import io
import json
import pstats
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console

from benchmarks.generate import lines
from benchmarks.progress import progress_bar
from benchmarks.report import FILTERED
from benchmarks.sealing import FILE_WORDS
from benchmarks.targets import BENCH_KDF, UNLOCK_WORDS
from vigil.bootstrap import Settings, Vigil
from vigil.domain.codes import RecordKind
from vigil.services.person_search import find_persons, identity_names
from vigil.services.ports import RecordQuery
from vigil.services.querying import ListFilters, build_query, list_records
from vigil.services.stored import open_sealed
from vigil.services.transfer import Importer
from vigil.services.workspace import DEFAULT_COMPARTMENT

WARM_UP = 3
PARENT_ACT_TYPE = "deprivation-of-liberty"
PERIOD = "2018"


@dataclass(frozen=True, slots=True)
class Config:
    """What the parent process asks a worker to do."""

    target: str
    home: str
    database_url: str | None
    file: str
    sealed: bool  # sealed under FILE_WORDS, or plaintext-sealing
    records: int
    region: str
    runs: int
    result: str
    profile_dir: str | None = None
    lookups: bool = True

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Config":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import(vigil: Vigil, config: Config, console: Console) -> dict[str, Any]:
    last_progress = 0.0
    profiler = cProfile.Profile() if config.profile_dir else None
    with progress_bar(console) as bar:
        task = bar.add_task(f"importing into {config.target}", total=config.records)

        def advance(n: int) -> None:
            nonlocal last_progress
            bar.advance(task, n)
            last_progress = time.perf_counter()

        passphrase = FILE_WORDS if config.sealed else None
        importer = Importer(vigil.workspace, vigil.keyring, passphrase, advance)
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        count = importer.run(lines(Path(config.file)))
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    if count != config.records:
        raise SystemExit(f"imported {count} records, expected {config.records}")
    if profiler and config.profile_dir:
        _save_profile(profiler, Path(config.profile_dir) / f"{config.target}-import.prof", console)
    return {
        "records": count,
        "seconds": round(seconds, 2),
        "records_per_second": round(count / seconds, 1),
        "after_last_batch_seconds": round(
            time.perf_counter() - last_progress if last_progress else 0.0, 2
        ),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def _save_profile(profiler: cProfile.Profile, path: Path, console: Console) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(path)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(20)
    console.print(f"[dim]profile written to {path.name}[/dim]")
    console.file.write(text.getvalue())


def _variants(region: str) -> dict[str, ListFilters]:
    return {
        FILTERED: ListFilters(period=PERIOD, place=region, act_type=PARENT_ACT_TYPE, limit=50),
        "none": ListFilters(limit=50),
        "period": ListFilters(period=PERIOD, limit=50),
        "place": ListFilters(place=region, limit=50),
        "act type": ListFilters(act_type=PARENT_ACT_TYPE, limit=50),
    }


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _time(call: Any, runs: int) -> tuple[list[float], float, Any]:
    """Time `runs` calls after a warm-up; also return how long the very first call took."""
    started = time.perf_counter()
    result = call()
    first = (time.perf_counter() - started) * 1000
    for _ in range(WARM_UP - 1):
        result = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return times, first, result


def _listings(vigil: Vigil, config: Config, console: Console) -> dict[str, Any]:
    ws = vigil.workspace
    figures: dict[str, Any] = {}
    variants = _variants(config.region)
    with progress_bar(console) as bar:
        task = bar.add_task(f"listing on {config.target}", total=len(variants) * 2)
        for name, filters in variants.items():
            whole, first, rows = _time(
                lambda f=filters: list_records(ws, RecordKind.INCIDENT, f), config.runs
            )
            bar.advance(task)
            store, _, _ = _time(
                lambda f=filters: ws.store.find(build_query(ws, RecordKind.INCIDENT, f)),
                config.runs,
            )
            bar.advance(task)
            figures[name] = {
                "median_ms": round(statistics.median(whole), 2),
                "p95_ms": round(_percentile(whole, 0.95), 2),
                "store_median_ms": round(statistics.median(store), 2),
                "first_ms": round(first, 2),
                "rows": len(rows),
                "runs": config.runs,
            }
    if config.profile_dir:
        filters = variants[FILTERED]
        profiler = cProfile.Profile()
        profiler.runcall(list_records, ws, RecordKind.INCIDENT, filters)
        _save_profile(profiler, Path(config.profile_dir) / f"{config.target}-list.prof", console)
    return figures


def _searched_names(vigil: Vigil, runs: int) -> list[str]:
    """The names of `runs` persons spread over the instance, opened as a member would."""
    ws = vigil.workspace
    total = ws.store.count_by_kind()[RecordKind.PERSON]
    step = max(1, total // runs)
    cipher = ws.cipher_for(DEFAULT_COMPARTMENT)
    names = []
    for n in range(runs):
        page = ws.store.find(RecordQuery(RecordKind.PERSON, limit=1, offset=(n * step) % total))
        opened = identity_names(open_sealed(page[0], cipher)) if page and page[0].sealed else []
        names += opened[:1]
    return names


def _settle(vigil: Vigil) -> None:
    """Bring PostgreSQL to the state autovacuum leaves it in soon after a bulk import (table
    statistics and visibility map), so that look-ups are timed as users meet them, not in the
    minute after 700,000 rows arrived. SQLite has nothing of the kind."""
    if vigil.engine.dialect.name == "postgresql":
        with vigil.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) person_token")
            conn.exec_driver_sql("VACUUM (ANALYZE) person")


def _lookups(vigil: Vigil, config: Config, console: Console) -> dict[str, Any]:
    """Time `find_persons` for the full names and the last words of persons in the instance.

    Each run searches another person's name, so every median mixes common and rare words.
    """
    ws = vigil.workspace
    _settle(vigil)
    names = _searched_names(vigil, config.runs)
    variants = {"full name": names, "last word": [name.split()[-1] for name in names]}
    figures: dict[str, Any] = {"persons": ws.store.count_by_kind()[RecordKind.PERSON]}
    with progress_bar(console) as bar:
        task = bar.add_task(f"finding persons on {config.target}", total=len(variants))
        for variant, queries in variants.items():
            for query in queries[:WARM_UP]:
                find_persons(ws, query)
            times, checked, found = [], [], []
            for query in queries:
                started = time.perf_counter()
                result = find_persons(ws, query)
                times.append((time.perf_counter() - started) * 1000)
                checked.append(result.checked)
                found.append(len(result.matches))
            figures[variant] = {
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(_percentile(times, 0.95), 2),
                "median_checked": statistics.median(checked),
                "median_matches": statistics.median(found),
                "runs": len(times),
            }
            bar.advance(task)
    return figures


def _store_size(vigil: Vigil, settings: Settings) -> int:
    if settings.embedded:
        return sum(p.stat().st_size for p in settings.home.glob("vigil.db*"))
    query = sa.text(
        "SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, "
        "tablename))), 0) FROM pg_tables WHERE schemaname = current_schema()"
    )
    with vigil.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def main(argv: list[str]) -> None:
    config = Config.load(Path(argv[0]))
    console = Console()
    settings = Settings(home=Path(config.home), database_url=config.database_url)
    Vigil.create(settings, UNLOCK_WORDS, kdf=BENCH_KDF).close()
    vigil = Vigil.open(settings)
    try:
        vigil.unlock(UNLOCK_WORDS)
        figures: dict[str, Any] = {"import": _import(vigil, config, console)}
        figures["store_bytes"] = _store_size(vigil, settings)
        figures["list"] = _listings(vigil, config, console)
        if config.lookups:
            figures["lookup"] = _lookups(vigil, config, console)
    finally:
        vigil.close()
    Path(config.result).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
