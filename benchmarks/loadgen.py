"""A small HTTP/1.1 load generator, used by `benchmarks.web` only when `wrk` is not installed.

`python -m benchmarks.loadgen URL SECONDS CONNECTIONS COOKIE...` keeps CONNECTIONS keep-alive
connections busy with GET requests for SECONDS (the cookies taken in turn, one per request) and
prints one JSON line: requests, seconds, errors, bytes and latencies in microseconds. It runs in
a process of its own, so that its work is not counted in the server's; being Python, it needs
more CPU per request than wrk and so leaves less of the machine to the server.
"""

import asyncio
import json
import math
import sys
import time
from itertools import cycle
from typing import Any
from urllib.parse import urlsplit


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response; return its status and body length (Content-Length is required)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return status, len(head) + length


async def _connection(
    host: str,
    port: int,
    requests: Any,
    stop: float,
    latencies: list[float],
    totals: dict[str, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop:
            started = time.perf_counter()
            writer.write(next(requests))
            await writer.drain()
            status, size = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1_000_000)
            totals["bytes"] += size
            if status >= 400:
                totals["errors"] += 1
            elif status >= 300:
                totals["redirects"] += 1
    finally:
        writer.close()


async def run(url: str, seconds: float, connections: int, cookies: list[str]) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    requests = cycle(
        [
            f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n\r\n".encode()
            for cookie in cookies
        ]
    )
    latencies: list[float] = []
    totals = {"bytes": 0, "errors": 0, "redirects": 0}
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(
        *(_connection(host, port, requests, stop, latencies, totals) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return ordered[max(1, math.ceil(len(ordered) * share)) - 1] if ordered else 0.0

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "errors": totals["errors"],
        "redirects": totals["redirects"],
        "bytes": totals["bytes"],
        "p50_us": percentile(0.50),
        "p95_us": percentile(0.95),
        "p99_us": percentile(0.99),
        "mean_us": sum(ordered) / len(ordered) if ordered else 0.0,
    }


def main(argv: list[str]) -> None:
    url, seconds, connections, *cookies = argv
    print(json.dumps(asyncio.run(run(url, float(seconds), int(connections), cookies))))


if __name__ == "__main__":
    main(sys.argv[1:])
