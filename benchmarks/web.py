"""`python -m benchmarks.web`: the incidents page under load, served by `vigil serve` on loopback.

An embedded instance with 100,000 incidents (and the places they happen at) is generated and
imported through Vigil's importer once, then reused from benchmarks/output/web-instance. `vigil
serve` runs as a child process with its default settings, which are the production ones; the
benchmark signs in over HTTP as a browser would (CSRF token from the sign-in page, the form, the
session cookie) and drives `GET /incidents?period=2019` with `wrk` (or, when wrk is not
installed, the Python load generator in `benchmarks.loadgen`, and says so):

- latency: one connection, one request at a time: median and p95;
- throughput: several connections at once (saturation): requests per second.

Figures go to the terminal and to benchmarks/output/web.json, with the load average of the
machine, since other work on it slows every figure.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from benchmarks.generate import Plan, generate, lines
from benchmarks.progress import progress_bar
from benchmarks.targets import BENCH_KDF, UNLOCK_WORDS
from vigil.bootstrap import DEFAULT_USER, Settings, Vigil
from vigil.services.transfer import Importer

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
INSTANCE = OUTPUT / "web-instance"
MARKER = "web-benchmark.json"
PAGE = "/incidents?period=2019"
TARGETS = {"median_ms_max": 50, "requests_per_second_min": 200}
COOKIE = "vigil_session"

WRK_SCRIPT = """
local cookies = {%(cookies)s}
local turn = 0
request = function()
  turn = turn %% #cookies + 1
  wrk.headers["Cookie"] = cookies[turn]
  return wrk.format()
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK {\\"requests\\": %%d, \\"seconds\\": %%f, \\"errors\\": %%d, \\"bytes\\": %%d, " ..
    "\\"p50_us\\": %%d, \\"p95_us\\": %%d, \\"p99_us\\": %%d, \\"mean_us\\": %%f}\\n",
    summary.requests, summary.duration / 1e6,
    e.status + e.connect + e.read + e.write + e.timeout, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


# -- the instance ---------------------------------------------------------------------------


def _build(home: Path, incidents: int, seed: int, console: Console) -> dict[str, Any]:
    """Generate incidents and places (nothing else is needed) and import them into a new
    embedded instance at `home`."""
    plan = Plan(
        organisations=0, persons=0, sources=0, incidents=incidents, acts_per_incident=0, claims=0
    )
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as work:
        path = Path(work) / "incidents.jsonl"
        with progress_bar(console) as bar:
            task = bar.add_task("generating incidents", total=plan.records)
            manifest = generate(path, plan, seed, lambda n: bar.advance(task, n))
        settings = Settings(home=home)
        Vigil.create(settings, UNLOCK_WORDS, kdf=BENCH_KDF).close()
        vigil = Vigil.open(settings)
        try:
            vigil.unlock(UNLOCK_WORDS)
            with progress_bar(console) as bar:
                task = bar.add_task("importing", total=manifest.records)
                importer = Importer(
                    vigil.workspace, vigil.keyring, None, lambda n: bar.advance(task, n)
                )
                started = time.perf_counter()
                count = importer.run(lines(path))
                seconds = time.perf_counter() - started
        finally:
            vigil.close()
    console.print(f"imported {count:,} records in {seconds:,.1f} s")
    return {"incidents": incidents, "seed": seed, "records": count, "counts": manifest.counts}


def _instance(incidents: int, seed: int, rebuild: bool, console: Console) -> dict[str, Any]:
    """Reuse the instance built by an earlier run with the same plan, or build it."""
    marker = INSTANCE / MARKER
    if not rebuild and marker.exists():
        built: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        if built.get("incidents") == incidents and built.get("seed") == seed:
            console.print(f"reusing the instance with {incidents:,} incidents in {INSTANCE}")
            return built
    shutil.rmtree(INSTANCE, ignore_errors=True)
    built = _build(INSTANCE, incidents, seed, console)
    marker.write_text(json.dumps(built), encoding="utf-8")
    return built


# -- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(slots=True)
class Server:
    """`vigil serve` running in a child process."""

    process: subprocess.Popen[bytes]
    port: int

    def cpu_seconds(self) -> float:
        """User and system CPU time the server has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _serve(home: Path, options: list[str], log: Path) -> Iterator[Server]:
    port = _free_port()
    vigil = Path(sys.executable).with_name("vigil")
    env = {**os.environ, "VIGIL_HOME": str(home)}
    env.pop("VIGIL_DATABASE_URL", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(vigil), "serve", "--port", str(port), *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            server = Server(process, port)
            _wait_ready(server, log)
            yield server
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(server: Server, log: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise click.ClickException(f"vigil serve stopped:\n{log.read_text()}")
        try:
            status, _, _ = _request(server.port, "GET", "/sign-in")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise click.ClickException("vigil serve did not answer in time")


def _request(
    port: int, method: str, path: str, cookie: str | None = None, form: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _session_cookie(headers: dict[str, str]) -> str:
    found = re.search(rf"{COOKIE}=([^;]+)", headers.get("set-cookie", ""))
    if not found:
        raise click.ClickException("the server set no session cookie")
    return f"{COOKIE}={found.group(1)}"


def _sign_in(port: int) -> str:
    """Sign in as a browser would; return the Cookie header of the signed-in session."""
    status, headers, body = _request(port, "GET", "/sign-in")
    token = re.search(rb'name="csrf" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise click.ClickException(f"the sign-in page answered {status} without a CSRF token")
    form = {"csrf": token.group(1).decode(), "user": DEFAULT_USER, "passphrase": UNLOCK_WORDS}
    status, headers, _ = _request(port, "POST", "/sign-in", _session_cookie(headers), form)
    if status != 303:
        raise click.ClickException(f"signing in answered {status}, not a redirect")
    return _session_cookie(headers)


def _check_page(port: int, cookie: str) -> dict[str, Any]:
    """Fetch the page once as the load will, and make sure it is the full listing."""
    started = time.perf_counter()
    status, _, body = _request(port, "GET", PAGE, cookie)
    first_ms = (time.perf_counter() - started) * 1000
    rows = body.count(b"<tr>") - 1
    if status != 200 or rows < 1:
        raise click.ClickException(f"{PAGE} answered {status} with {rows} rows")
    return {"status": status, "rows": rows, "bytes": len(body), "first_ms": round(first_ms, 1)}


# -- the load -------------------------------------------------------------------------------


def _load_command(
    generator: str, port: int, seconds: int, connections: int, cookies: list[str], work: Path
) -> list[str]:
    url = f"http://127.0.0.1:{port}{PAGE}"
    if generator == "wrk":
        script = work / "cookies.lua"
        quoted = ", ".join(json.dumps(c) for c in cookies)
        script.write_text(WRK_SCRIPT % {"cookies": quoted}, encoding="utf-8")
        return [
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            url,
        ]
    return [
        sys.executable,
        "-m",
        "benchmarks.loadgen",
        url,
        str(seconds),
        str(connections),
        *cookies,
    ]


def _drive(
    console: Console,
    description: str,
    server: Server,
    command: list[str],
    seconds: float,
) -> dict[str, Any]:
    """Run one load, with a progress bar over its duration; return its figures."""
    cpu_before = server.cpu_seconds()
    with Progress(
        TextColumn("{task.description:<30}"),
        BarColumn(),
        TextColumn("{task.completed:>4.0f} of {task.total:g} s"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(description, total=seconds)
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=HERE.parent, text=True)
        while process.poll() is None:
            bar.update(task, completed=min(seconds, time.monotonic() - started))
            time.sleep(0.2)
        bar.update(task, completed=seconds)
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise click.ClickException(f"the load generator failed:\n{output}")
    line = next((ln for ln in output.splitlines() if ln.startswith(("WRK ", "{"))), None)
    if line is None:
        raise click.ClickException(f"no figures from the load generator:\n{output}")
    raw = json.loads(line.removeprefix("WRK "))
    cpu = server.cpu_seconds() - cpu_before
    requests = max(1, raw["requests"])
    return {
        "requests": raw["requests"],
        "seconds": round(raw["seconds"], 2),
        "requests_per_second": round(raw["requests"] / raw["seconds"], 1),
        "median_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "mean_ms": round(raw["mean_us"] / 1000, 2),
        "errors": raw["errors"] + raw.get("redirects", 0),
        "bytes_per_response": round(raw["bytes"] / requests),
        "server_cpu_ms_per_request": round(cpu * 1000 / requests, 2),
    }


def _report(console: Console, report: dict[str, Any]) -> None:
    low, high = report["latency"], report["throughput"]
    table = Table(
        title=f"GET {PAGE} with {report['instance']['incidents']:,} incidents "
        f"({report['generator']}, {report['seconds']:g} s per run)"
    )
    for name in ("load", "req/s", "median", "p95", "p99", "CPU/req", "errors"):
        table.add_column(name, justify="left" if name == "load" else "right", no_wrap=True)

    def mark(ok: bool, text: str) -> str:
        return f"[green]{text}[/green]" if ok else f"[red]{text}[/red]"

    table.add_row(
        "1 connection",
        f"{low['requests_per_second']:,.0f}",
        mark(low["median_ms"] <= TARGETS["median_ms_max"], f"{low['median_ms']:,.1f}"),
        f"{low['p95_ms']:,.1f}",
        f"{low['p99_ms']:,.1f}",
        f"{low['server_cpu_ms_per_request']:,.2f}",
        str(low["errors"]),
    )
    rate = high["requests_per_second"]
    table.add_row(
        f"{report['connections']} conn., {report['sessions']} session(s)",
        mark(rate >= TARGETS["requests_per_second_min"], f"{rate:,.0f}"),
        f"{high['median_ms']:,.1f}",
        f"{high['p95_ms']:,.1f}",
        f"{high['p99_ms']:,.1f}",
        f"{high['server_cpu_ms_per_request']:,.2f}",
        str(high["errors"]),
    )
    console.print(table)
    page = report["page"]
    console.print(
        f"times in ms; CPU/req: the server's CPU time per request; "
        f"targets: median ≤ {TARGETS['median_ms_max']} ms, ≥ "
        f"{TARGETS['requests_per_second_min']} requests/s; the page lists {page['rows']} "
        f"incidents in {page['bytes']:,} bytes (first request {page['first_ms']} ms); load "
        f"average {report['load_average'][0]} before, {report['load_average'][1]} after on "
        f"{os.cpu_count()} CPUs",
        style="dim",
    )


@click.command()
@click.option("--incidents", type=click.IntRange(min=100), default=100_000, show_default=True)
@click.option("--seed", type=int, default=2017, show_default=True)
@click.option(
    "--seconds",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Length of each timed run in seconds (after a warm-up of a quarter of it).",
)
@click.option(
    "--connections",
    type=click.IntRange(min=2),
    default=16,
    show_default=True,
    help="Connections at once for the throughput run.",
)
@click.option(
    "--sessions",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Signed-in sessions the throughput run's requests are spread over (1: one user).",
)
@click.option(
    "--generator",
    type=click.Choice(["auto", "wrk", "python"]),
    default="auto",
    show_default=True,
    help="Load generator: wrk, or the Python one (auto: wrk when installed).",
)
@click.option("--rebuild", is_flag=True, help="Build the instance again even if one is kept.")
@click.option(
    "--serve-option",
    "serve_options",
    multiple=True,
    help="Extra option for `vigil serve` (repeatable), to compare settings.",
)
def main(
    incidents: int,
    seed: int,
    seconds: int,
    connections: int,
    sessions: int,
    generator: str,
    rebuild: bool,
    serve_options: tuple[str, ...],
) -> None:
    """Benchmark the incidents page served by `vigil serve` under load on loopback."""
    console = Console()
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
        if generator == "python":
            console.print(
                "[yellow]wrk is not installed (apt-get install wrk): using the Python load "
                "generator, which takes more of the CPU the server needs[/yellow]"
            )
    elif generator == "wrk" and not shutil.which("wrk"):
        raise click.UsageError("wrk is not installed (apt-get install wrk)")
    OUTPUT.mkdir(exist_ok=True)
    built = _instance(incidents, seed, rebuild, console)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as work_dir:
        work = Path(work_dir)
        with _serve(INSTANCE, list(serve_options), work / "serve.log") as server:
            cookies = [_sign_in(server.port) for _ in range(sessions)]
            page = _check_page(server.port, cookies[0])

            def load(what: str, length: int, n: int, jar: list[str]) -> dict[str, Any]:
                command = _load_command(generator, server.port, length, n, jar, work)
                return _drive(console, what, server, command, length)

            load("warming up", max(1, seconds // 4), connections, cookies)
            latency = load("1 connection", seconds, 1, cookies[:1])
            throughput = load(f"{connections} connections", seconds, connections, cookies)
            after = _check_page(server.port, cookies[0])
            if after["rows"] != page["rows"]:
                raise click.ClickException("the page changed during the run")
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "page": page,
        "instance": built,
        "generator": generator,
        "seconds": seconds,
        "connections": connections,
        "sessions": sessions,
        "serve_options": list(serve_options),
        "targets": TARGETS,
        "latency": latency,
        "throughput": throughput,
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    (OUTPUT / "web.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _report(console, report)
    console.print(f"figures written to {(OUTPUT / 'web.json').relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
