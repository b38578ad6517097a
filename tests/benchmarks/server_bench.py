"""Sync server benchmark: many laptops at once, and one big push and pull.

    .venv/bin/python tests/benchmarks/server_bench.py [--clients 50] [--rounds 10]
        [--changes 1000] [--postgres | --database-url URL] [--workers N]

Starts ``crmdesk-server serve`` in its own process on 127.0.0.1 (SQLite in a
temporary folder by default; ``--postgres`` starts a throw-away PostgreSQL
cluster like the tests do), then:

1. ``--clients`` threads, each its own laptop (own user, node and httpx
   client), each doing ``--rounds`` rounds of push (a batch of 20 field
   changes) then pull; counts errors (must be zero) and reports p50 / p95
   latency of each request kind.
2. One laptop pushes ``--changes`` field changes in one batch and another
   pulls them all: the time of each and of both together (target < 1 s).

Prints a Markdown table and writes it to ``tests/benchmarks/server_latest.md``.
Timings are reported, not asserted: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from crmdesk.server import accounts
from crmdesk.server.storage import ServerDatabase, describe, resolve_url
from crmdesk.sync.hlc import Clock
from crmdesk.sync.protocol import PROTOCOL_HEADER, Change, PullResponse, PushRequest

PASSWORD = "benchmark password"
BATCH = 20
HERE = Path(__file__).resolve().parent


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """``crmdesk-server serve`` in a child process; waits until it is healthy."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crmdesk.server.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=os.environ | {"CRMDESK_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


class Laptop:
    """One simulated client: its own login, node, clock, batch numbers and cursor."""

    def __init__(self, base: str, name: str) -> None:
        self.node = f"{name}-node"
        self.clock = Clock(self.node)
        self.seq = 0
        self.cursor = 0
        self.http = httpx.Client(base_url=base, headers={PROTOCOL_HEADER: "1"}, timeout=120)
        answer = self.http.post(
            "/api/v1/login", json={"username": name, "password": PASSWORD, "node": self.node}
        )
        answer.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def push(self, count: int, row_prefix: str) -> float:
        """Push ``count`` changes in one batch; returns milliseconds."""
        self.seq += 1
        at = str(self.clock.now())
        changes = [
            Change("contacts", f"{row_prefix}-{i // 10}", f"field{i % 10}", f"value {i}", at)
            for i in range(count)
        ]
        body = PushRequest(self.node, f"{self.node}-{self.seq}", self.seq, changes).to_json()
        start = time.perf_counter()
        answer = self.http.post("/api/v1/push", json=body)
        elapsed = (time.perf_counter() - start) * 1000
        answer.raise_for_status()
        return elapsed

    def pull_all(self) -> tuple[float, int]:
        """Pull every page from the cursor; returns milliseconds and changes received."""
        start, received = time.perf_counter(), 0
        while True:
            answer = self.http.get("/api/v1/pull", params={"cursor": self.cursor, "limit": 5000})
            answer.raise_for_status()
            page = PullResponse.from_json(answer.json())
            received += len(page.changes)
            self.cursor = page.next_cursor
            if not page.has_more:
                return (time.perf_counter() - start) * 1000, received


def many_laptops(base: str, clients: int, rounds: int) -> dict[str, object]:
    """Every laptop pushes and pulls ``rounds`` times, all at once."""
    pushes: list[float] = []
    pulls: list[float] = []
    errors: list[str] = []
    gate = threading.Barrier(clients + 1)  # everyone logged in, then the clock starts
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            laptop = Laptop(base, f"seller{i}")
            gate.wait()
            for r in range(rounds):
                pushed = laptop.push(BATCH, f"l{i}-r{r}")
                pulled, _ = laptop.pull_all()
                with lock:
                    pushes.append(pushed)
                    pulls.append(pulled)
        except Exception as exc:  # counted and reported: the target is zero
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return {
        "seconds": time.perf_counter() - start,
        "pushes": pushes,
        "pulls": pulls,
        "errors": errors,
    }


def big_batch(base: str, changes: int) -> tuple[float, float, int]:
    """One laptop pushes ``changes`` changes, another pulls them: (push ms, pull ms, n)."""
    writer, reader = Laptop(base, "bulk-writer"), Laptop(base, "bulk-reader")
    reader.pull_all()
    pushed = 0.0
    for start in range(0, changes, 5000):
        pushed += writer.push(min(5000, changes - start), f"bulk{start}")
    pulled, received = reader.pull_all()
    return pushed, pulled, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL cluster")
    where.add_argument("--database-url", help="an existing, empty server database")
    args = parser.parse_args()

    with ExitStack() as stack:
        if args.postgres:
            sys.path.insert(0, str(HERE.parent / "server"))
            from live import PostgresCluster

            cluster = PostgresCluster()
            stack.callback(cluster.stop)
            url = stack.enter_context(cluster.fresh_database())
        elif args.database_url:
            url = args.database_url
        else:
            folder = tempfile.mkdtemp(prefix="crmdesk-server-bench-")
            stack.callback(shutil.rmtree, folder, True)
            url = resolve_url(folder)
        db, _ = ServerDatabase.initialise(url)
        for i in range(args.clients):
            accounts.add_user(db, f"seller{i}", PASSWORD, "salesperson")
        for name in ("bulk-writer", "bulk-reader"):
            accounts.add_user(db, name, PASSWORD, "salesperson")
        db.close()
        process, base = start_server(url, args.workers)
        stack.callback(process.wait, 30)
        stack.callback(process.terminate)
        crowd = many_laptops(base, args.clients, args.rounds)
        pushed, pulled, received = big_batch(base, args.changes)

    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    pushes, pulls = crowd["pushes"], crowd["pulls"]
    assert isinstance(pushes, list) and isinstance(pulls, list)
    errors = crowd["errors"]
    assert isinstance(errors, list)
    requests = len(pushes) + len(pulls)
    lines = [
        f"Sync server on {backend} ({describe(url) if backend == 'PostgreSQL' else 'temp file'}),"
        f" {args.workers} worker(s), {time.strftime('%Y-%m-%d')}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; clients are threads in one "
        "process on the same machine (they share its CPUs with the server).",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| {args.clients} laptops at once, {args.rounds} rounds of push ({BATCH} changes) + pull:"
        f" errors | {len(errors)} of {requests} requests | 0 |",
        f"|     push latency p50 / p95 | {percentile(pushes, 0.5):.0f} / "
        f"{percentile(pushes, 0.95):.0f} ms | |",
        f"|     pull latency p50 / p95 | {percentile(pulls, 0.5):.0f} / "
        f"{percentile(pulls, 0.95):.0f} ms | |",
        f"|     throughput | {requests / float(crowd['seconds']):.0f} requests/s | |",
        f"| push {args.changes:,} field changes | {pushed:.0f} ms | |",
        f"| pull them ({received:,} received) | {pulled:.0f} ms | |",
        f"| push + pull of {args.changes:,} field changes | {pushed + pulled:.0f} ms | < 1,000 ms"
        f" {'✓' if pushed + pulled < 1000 else '✗'} |",
    ]
    if errors:
        lines += ["", "Errors (first 5):", *[f"- {e}" for e in errors[:5]]]
    text = "\n".join(lines)
    print(text)
    (HERE / "server_latest.md").write_text(text + "\n", encoding="utf-8")
    print(f"median of all request latencies: {statistics.median(pushes + pulls):.1f} ms")


if __name__ == "__main__":
    main()
