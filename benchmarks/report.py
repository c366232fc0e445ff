"""The final tables of figures, with the targets beside them."""

from typing import Any

from rich.console import Console
from rich.table import Table

TARGETS = {
    "import_records_per_second_min": 5000,
    "list_filtered_median_ms_max": 50,
    "find_person_median_ms_max": 10,
}
LOOKUP_TARGET = "full name"
FILTERED = "period, place, act type"
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _mark(ok: bool, text: str) -> str:
    return f"[green]{text}[/green]" if ok else f"[red]{text}[/red]"


def _import_table(report: dict[str, Any]) -> Table:
    minimum = TARGETS["import_records_per_second_min"]
    table = Table(title=f"Import of {report['records']:,} records ({report['sealing']} file)")
    for name in ("database", "records/s", "seconds", "tail s", "peak RSS MiB", "store MiB"):
        table.add_column(name, justify="left" if name == "database" else "right")
    table.add_column("target", justify="right")
    for name, figures in report["results"].items():
        f = figures["import"]
        table.add_row(
            NAMES.get(name, name),
            _mark(f["records_per_second"] >= minimum, f"{f['records_per_second']:,.0f}"),
            f"{f['seconds']:,.1f}",
            f"{f['after_last_batch_seconds']:,.1f}",
            f"{f['peak_rss_mib']:,.0f}",
            f"{figures['store_bytes'] / 2**20:,.0f}",
            f"≥ {minimum:,}/s",
        )
    return table


def _list_table(report: dict[str, Any]) -> Table:
    maximum = TARGETS["list_filtered_median_ms_max"]
    runs = next(iter(report["results"].values()))["list"][FILTERED]["runs"]
    table = Table(
        title=f"Listing 50 incidents: ms over {runs} runs after a warm-up\n"
        f"target: median ≤ {maximum} ms filtering by {FILTERED}"
    )
    for name in ("database", "filter", "median", "p95", "store", "first", "rows"):
        left = name in ("database", "filter")
        table.add_column(name, justify="left" if left else "right", no_wrap=left)
    for name, figures in report["results"].items():
        for variant, f in figures["list"].items():
            median = f"{f['median_ms']:,.1f}"
            filtered = variant == FILTERED
            table.add_row(
                NAMES.get(name, name) if filtered else "",
                variant,
                _mark(f["median_ms"] <= maximum, median) if filtered else median,
                f"{f['p95_ms']:,.1f}",
                f"{f['store_median_ms']:,.1f}",
                f"{f['first_ms']:,.0f}",
                str(f["rows"]),
            )
    return table


def _lookup_table(report: dict[str, Any]) -> Table | None:
    measured = {n: f["lookup"] for n, f in report["results"].items() if "lookup" in f}
    if not measured:
        return None
    maximum = TARGETS["find_person_median_ms_max"]
    first = next(iter(measured.values()))
    table = Table(
        title=f"Finding a person by name among {first['persons']:,}: ms over "
        f"{first[LOOKUP_TARGET]['runs']} names\ntarget: median ≤ {maximum} ms for a full name"
    )
    for name in ("database", "searched", "median", "p95", "checked", "matches"):
        left = name in ("database", "searched")
        table.add_column(name, justify="left" if left else "right", no_wrap=left)
    for name, figures in measured.items():
        for variant in (LOOKUP_TARGET, "last word"):
            f = figures[variant]
            median = f"{f['median_ms']:,.2f}"
            target = variant == LOOKUP_TARGET
            table.add_row(
                NAMES.get(name, name) if target else "",
                variant,
                _mark(f["median_ms"] <= maximum, median) if target else median,
                f"{f['p95_ms']:,.2f}",
                f"{f['median_checked']:,.0f}",
                f"{f['median_matches']:,.0f}",
            )
    return table


def print_report(console: Console, report: dict[str, Any]) -> None:
    console.print(_import_table(report))
    console.print(
        "tail s: the part of the import after the last batch was written "
        "(reference check and commit)",
        style="dim",
    )
    console.print(_list_table(report))
    console.print(
        "store: the median time inside the record store alone (SQL and rows); the "
        "rest of a listing rebuilds domain records from the rows; first: the first call, before "
        "the warm-up",
        style="dim",
    )
    lookups = _lookup_table(report)
    if lookups is not None:
        console.print(lookups)
        console.print(
            "checked: candidates the blind index gave that were opened and checked (median); "
            "matches: persons listed (at most 10)",
            style="dim",
        )
    console.print(
        f"generating the {report['file_bytes'] / 2**20:,.0f} MiB file took "
        f"{report['generate_seconds']:,.1f} s; {report['sealing_means']}; load average "
        f"{report['load_average'][0]} before, {report['load_average'][1]} after "
        f"on {report['environment']['cpus']} CPUs",
        style="dim",
    )
