"""crmdesk benchmarks: prints a table of our figures beside raw SQLCipher.

    .venv/bin/python tests/benchmarks/run.py [--contacts 1000000] [--keep DIR]

Builds (or reuses, from --keep) a demo database of N contacts, then measures
opening it, search as you type, screen pop, list paging and the insert rate
through the service layer. Not part of the test run: timings on shared
machines are noisy, so they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.services.app import Crm
from crmdesk.services.demo_pools import COUNTRIES
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput
from crmdesk.store.cipher import quote_key

PASS = "benchmark passphrase"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls (after one warm-up call)."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p50_p95(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


def raw_connect(path: Path) -> sqlcipher.Connection:
    conn = sqlcipher.connect(str(path))
    conn.execute(f"PRAGMA key = {quote_key(PASS)}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def prefixes(rng: random.Random, count: int) -> list[str]:
    names = [n for c in COUNTRIES for n in c[3] + c[4]]
    out = []
    for _ in range(count):
        name = rng.choice(names)
        out.append(name[: rng.randint(1, 4)])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--keep", help="folder to keep/reuse the demo database in")
    parser.add_argument("--out", default=str(Path(__file__).with_name("latest.md")))
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crmbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / f"demo-{args.contacts}.db"
    rows: list[tuple[str, str, str, str, str]] = []

    build = "reused"
    if not db_path.exists():
        # Built by the real command in its own process, so the memory figure
        # below is that of a process that only opens and queries.
        Crm.create(db_path, PASS, region="FI", currency="EUR").close()
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from crmdesk.cli import main; raise SystemExit(main())",
                "--db",
                str(db_path),
                "demo",
                "--contacts",
                str(args.contacts),
                "--seed",
                "1",
            ],
            env=dict(os.environ, CRMDESK_PASSPHRASE=PASS),
            check=True,
        )
        build = f"{time.perf_counter() - start:.1f} s"
    rows.append((f"build {args.contacts:,}-contact demo database", build, "", "", "minutes"))

    # open
    def open_crm() -> None:
        Crm.open(db_path, PASS, region="FI").close()

    def open_raw() -> None:
        raw_connect(db_path).close()

    ours = statistics.median(timed(open_crm, 5))
    raw = statistics.median(timed(open_raw, 5))
    rows.append(
        (
            "open database (key derivation included), median",
            f"{ours:.0f} ms",
            f"{raw:.0f} ms",
            f"{ours / raw:.1f}×",
            "< 1500 ms",
        )
    )

    crm = Crm.open(db_path, PASS, region="FI")
    conn = raw_connect(db_path)
    rng = random.Random(5)

    # search as you type
    queries = prefixes(rng, 200)
    ours_s = [t for q in queries for t in timed(lambda q=q: crm.search.search(q, 50), 1)]
    raw_s = [
        t
        for q in queries
        for t in timed(
            lambda q=q: conn.execute(
                "SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? LIMIT 50", (f'"{q}"*',)
            ).fetchall(),
            1,
        )
    ]
    (o50, o95), (r50, r95) = p50_p95(ours_s), p50_p95(raw_s)
    rows.append(
        (
            "search as you type, 1-4 letter prefixes, p50 / p95",
            f"{o50:.1f} / {o95:.1f} ms",
            f"{r50:.2f} / {r95:.2f} ms",
            f"{o50 / r50:.0f}×",
            "< 50 ms",
        )
    )
    by_length = {}
    for n in (1, 2, 3, 4):
        qs = [q for q in queries if len(q) == n][:40]
        if qs:
            by_length[n] = p50_p95(
                [t for q in qs for t in timed(lambda q=q: crm.search.search(q, 50), 1)]
            )
    for n, (b50, b95) in by_length.items():
        rows.append(
            (
                f"  search, {n}-letter prefix, p50 / p95",
                f"{b50:.1f} / {b95:.1f} ms",
                "",
                "",
                "< 50 ms",
            )
        )

    # screen pop
    max_num = conn.execute("SELECT max(num) FROM contacts").fetchone()[0]
    numbers = []
    while len(numbers) < 200:
        row = conn.execute(
            "SELECT p.raw, p.e164 FROM contact_phones p JOIN contacts c "
            "ON c.id = p.contact_id WHERE c.num = ?",
            (rng.randint(1, max_num),),
        ).fetchone()
        if row:
            numbers.append(row)
    ours_p = [
        t for raw_no, e164 in numbers for t in timed(lambda n=raw_no: crm.screenpop.pop(n), 1)
    ]
    ours_p += [t for raw_no, e164 in numbers for t in timed(lambda n=e164: crm.screenpop.pop(n), 1)]
    raw_p = [
        t
        for _, e164 in numbers
        for t in timed(
            lambda n=e164: conn.execute(
                "SELECT contact_id FROM contact_phones WHERE e164 = ?", (n,)
            ).fetchall(),
            1,
        )
    ]
    (o50, o95), (r50, r95) = p50_p95(ours_p), p50_p95(raw_p)
    rows.append(
        (
            "screen pop (full card), national and E.164 input, p50 / p95",
            f"{o50:.1f} / {o95:.1f} ms",
            f"{r50:.3f} / {r95:.3f} ms",
            f"{o50 / r50:.0f}×",
            "< 20 ms",
        )
    )

    # list paging
    first = crm.queries.page(limit=200)
    deep_key = conn.execute(
        "SELECT sort_key, num FROM contacts WHERE deleted_at IS NULL "
        "ORDER BY sort_key, num LIMIT 1 OFFSET ?",
        (int(max_num * 0.9),),
    ).fetchone()
    ours_l = timed(lambda: crm.queries.page(limit=200), 20)
    ours_d = timed(lambda: crm.queries.page(after=tuple(deep_key), limit=200), 20)
    raw_l = timed(
        lambda: conn.execute(
            "SELECT id, display_name FROM contacts WHERE deleted_at IS NULL AND (sort_key, num) > "
            "(?, ?) ORDER BY sort_key, num LIMIT 200",
            tuple(deep_key),
        ).fetchall(),
        20,
    )
    rows.append(
        (
            "contact list: first page of 200, median",
            f"{statistics.median(ours_l):.1f} ms",
            "",
            "",
            "",
        )
    )
    rows.append(
        (
            "contact list: page of 200 at 90 % depth, median",
            f"{statistics.median(ours_d):.1f} ms",
            f"{statistics.median(raw_l):.1f} ms",
            f"{statistics.median(ours_d) / statistics.median(raw_l):.0f}×",
            "",
        )
    )
    assert first

    # insert rate through the services
    count = 500
    start = time.perf_counter()
    for i in range(count):
        crm.contacts.create(
            "person",
            ContactPatch(
                first_name=f"Bench{i}",
                last_name="Insert",
                add_phones=[PhoneInput(f"040 9{i:06d}")],
                add_emails=[EmailInput(f"bench{i}@example.fi")],
            ),
        )
    ours_rate = count / (time.perf_counter() - start)
    start = time.perf_counter()
    with conn:
        for i in range(count):
            conn.execute(
                "INSERT INTO contacts (id, kind, first_name, last_name, display_name, "
                "sort_key, created_at, updated_at) VALUES (?, 'person', ?, 'Raw', ?, ?,"
                " '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
                (f"raw-{i}-{time.time_ns()}", f"Raw{i}", f"Raw{i} Raw", f"raw raw{i}"),
            )
    raw_rate = count / (time.perf_counter() - start)
    rows.append(
        (
            "insert a contact with phone and e-mail (own transaction each)",
            f"{ours_rate:,.0f} /s",
            f"{raw_rate:,.0f} /s (bare row, one txn)",
            f"{raw_rate / ours_rate:.0f}× slower",
            "",
        )
    )
    conn.execute("DELETE FROM contacts WHERE id LIKE 'raw-%'")
    conn.commit()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of this process (RSS)", f"{peak:.0f} MB", "", "", "< 400 MB"))
    crm.close()
    conn.close()

    table = [
        "| measure | crmdesk | raw SQLCipher | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    table += [f"| {' | '.join(r)} |" for r in rows]
    header = (
        f"{args.contacts:,} contacts, {time.strftime('%Y-%m-%d')}, "
        f"Python {sys.version.split()[0]}, 2-core machine"
    )
    text = f"{header}\n\n" + "\n".join(table) + "\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
