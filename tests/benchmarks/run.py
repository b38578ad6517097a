"""crmdesk benchmarks: our figures beside raw SQLCipher doing the same lookup.

    .venv/bin/python tests/benchmarks/run.py [--contacts 1000000] [--keep DIR]

Builds a demo database of N contacts with ``crmdesk demo`` in a child
process (or reuses ``DIR/demo-N.db`` from an earlier ``--keep`` run), then
measures opening it, search as you type, screen pop, list paging and the
insert rate through the service layer, each beside the cheapest raw SQL that
answers the same question on the same file. Prints a Markdown table and
writes it to ``tests/benchmarks/latest.md``. Not part of the test run:
timings on shared machines are noisy, so they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import phonenumbers
import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.domain.names import person_display_name, person_sort_key
from crmdesk.domain.phones import parse_phone, reversed_digits
from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import stamp, uuid7_strings
from crmdesk.services.demo_pools import COUNTRIES
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput
from crmdesk.store.database import raw_key

PASS = "benchmark passphrase"
REGION = "FI"
Row = tuple[str, str, str, str, str]


# -- measuring ---------------------------------------------------------------


def timed(fn: Callable[[], object], repeat: int = 1) -> list[float]:
    """Milliseconds of each of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def over(items: Sequence[Any], fn: Callable[[Any], object], warmup: int = 20) -> list[float]:
    """Milliseconds of ``fn(item)`` for every item, after a few warm-up calls."""
    for item in items[:warmup]:
        fn(item)
    return [t for item in items for t in timed(lambda item=item: fn(item))]


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def pair(samples: list[float]) -> str:
    return f"{ms(p50(samples))} / {ms(p95(samples))} ms"


def ratio(ours: float, raw: float) -> str:
    return f"{ours / raw:,.0f}×" if ours / raw >= 10 else f"{ours / raw:.1f}×"


def target(value: float, limit: float, unit: str = "ms") -> str:
    mark = "✓" if value < limit else "✗ MISSED"
    return f"< {limit:,.0f} {unit} {mark}"


def raw_connect(path: Path) -> Any:
    """What any SQLCipher program must do: connect, key, read the schema."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {raw_key(path, PASS)}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


# -- the database ------------------------------------------------------------


def build(db_path: Path, contacts: int) -> tuple[str, dict[str, Any]]:
    """Build the demo database with ``crmdesk demo`` in a child process."""
    partial = db_path.with_name(db_path.name + ".building")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    Crm.create(partial, PASS, region=REGION, currency="EUR").close()
    print(f"building {contacts:,} demo contacts with `crmdesk demo`...", file=sys.stderr)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crmbench-home-") as home:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from crmdesk.cli import main; raise SystemExit(main())",
                "--db",
                str(partial),
                "demo",
                "--contacts",
                str(contacts),
                "--seed",
                "1",
                "--json",
            ],
            env=dict(os.environ, CRMDESK_PASSPHRASE=PASS, CRMDESK_HOME=home),
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    seconds = time.perf_counter() - start
    stats = json.loads(done.stdout)
    partial.rename(db_path)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    info = {
        "seconds": seconds,
        "peak_mb": peak,
        "activities": stats["activities"],
        "followups": stats["followups"],
        "deals": stats["deals"],
    }
    (db_path.with_name(db_path.name + ".json")).write_text(json.dumps(info), encoding="utf-8")
    return "built", info


def name_prefixes(rng: random.Random, per_length: int) -> list[str]:
    """1-4 letter prefixes of the names in the demo pools, shuffled."""
    names = [n for c in COUNTRIES for n in c.first_names + c.last_names]
    out = [rng.choice(names)[:length] for length in (1, 2, 3, 4) for _ in range(per_length)]
    rng.shuffle(out)
    return out


def sample_phones(conn: Any, rng: random.Random, max_num: int, count: int) -> list[str]:
    """E.164 numbers of random demo contacts."""
    out: list[str] = []
    while len(out) < count:
        row = conn.execute(
            "SELECT p.e164 FROM contacts c JOIN contact_phones p ON p.contact_id = c.id"
            " WHERE c.num = ? AND p.e164 IS NOT NULL",
            (rng.randint(1, max_num),),
        ).fetchone()
        if row:
            out.append(row[0])
    return out


def formatted(e164: str, style: int) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164, None), style)


# -- the run -----------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--keep", help="folder to keep the demo database in and reuse it from")
    parser.add_argument("--out", default=str(Path(__file__).with_name("latest.md")))
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crmbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / f"demo-{args.contacts}.db"
    rows: list[Row] = []
    n = args.contacts

    if db_path.exists():
        how = "reused"
        meta = db_path.with_name(db_path.name + ".json")
        info = json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}
    else:
        how, info = build(db_path, n)
    if "seconds" in info:
        rows.append(
            (
                f"(a) build the {n:,}-contact demo database (`crmdesk demo`, {how})",
                f"{info['seconds']:.0f} s ({n / info['seconds']:,.0f} contacts/s; "
                f"{info['activities']:,} activities, {info['followups']:,} follow-ups, "
                f"{info['deals']:,} deals)",
                "",
                "",
                "minutes",
            )
        )
        rows.append(
            (
                "    peak memory of the generating process (RSS)",
                f"{info['peak_mb']:.0f} MB",
                "",
                "",
                target(info["peak_mb"], 400, "MB"),
            )
        )
    else:
        rows.append((f"(a) build the {n:,}-contact demo database", how, "", "", "minutes"))

    # (b) open: key derivation, schema check, settings, default user
    def open_crm() -> None:
        Crm.open(db_path, PASS, region=REGION).close()

    def open_raw() -> None:
        raw_connect(db_path).close()

    open_crm()
    ours, raw = timed(open_crm, 7), timed(open_raw, 7)
    rows.append(
        (
            "(b) open the database (key derivation included), p50",
            f"{p50(ours):.0f} ms",
            f"{p50(raw):.0f} ms",
            ratio(p50(ours), p50(raw)),
            target(p50(ours), 1500),
        )
    )

    crm = Crm.open(db_path, PASS, region=REGION)
    conn = raw_connect(db_path)
    rng = random.Random(5)
    max_num = conn.execute("SELECT max(num) FROM contacts").fetchone()[0]

    # (c) search as you type
    queries = name_prefixes(rng, 100)
    ours = over(queries, lambda q: crm.search.search(q, limit=50))
    raw = over(
        queries,
        lambda q: conn.execute(
            "SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? LIMIT 50", (f'"{q}"*',)
        ).fetchall(),
    )
    rows.append(
        (
            f"(c) search as you type, {len(queries)} name prefixes of 1-4 letters, p50 / p95",
            pair(ours),
            pair(raw),
            ratio(p50(ours), p50(raw)),
            target(p95(ours), 50),
        )
    )
    for length in (1, 2, 3, 4):
        picked = [t for q, t in zip(queries, ours, strict=True) if len(q) == length]
        picked_raw = [t for q, t in zip(queries, raw, strict=True) if len(q) == length]
        rows.append(
            (
                f"    {length}-letter prefix",
                pair(picked),
                pair(picked_raw),
                ratio(p50(picked), p50(picked_raw)),
                target(p95(picked), 50),
            )
        )

    # (d) screen pop: the caller's number as the phone system gives it
    numbers = sample_phones(conn, rng, max_num, 300)
    home = [e for e in numbers if e.startswith("+358")]
    national = [formatted(e, phonenumbers.PhoneNumberFormat.NATIONAL) for e in home]
    international = [formatted(e, phonenumbers.PhoneNumberFormat.INTERNATIONAL) for e in numbers]
    lookup = "SELECT contact_id FROM contact_phones WHERE e164 = ?"
    pop_nat = over(national, crm.screenpop.pop)
    pop_int = over(international, crm.screenpop.pop)
    raw = over(numbers, lambda e: conn.execute(lookup, (e,)).fetchall())
    both = pop_nat + pop_int
    rows.append(
        (
            "(d) screen pop to the full card, national and international input, p50 / p95",
            pair(both),
            pair(raw),
            ratio(p50(both), p50(raw)),
            target(p95(both), 20),
        )
    )
    for label, samples in (
        (f"    national format (`040 1234567`, {len(national)} numbers)", pop_nat),
        (f"    international format (`+39 333 123 4567`, {len(international)})", pop_int),
    ):
        rows.append((label, pair(samples), "", "", target(p95(samples), 20)))
    misses = sum(
        1 for number in national[:50] + international[:50] if crm.screenpop.pop(number).card is None
    )

    # (e) contact list: keyset pages in name order
    deep_key = conn.execute(
        "SELECT sort_key, num FROM contacts WHERE deleted_at IS NULL"
        " ORDER BY sort_key, num LIMIT 1 OFFSET ?",
        (int(max_num * 0.9),),
    ).fetchone()
    page_sql = (
        "SELECT id, display_name FROM contacts WHERE deleted_at IS NULL"
        " AND (sort_key, num) > (?, ?) ORDER BY sort_key, num LIMIT 200"
    )
    for label, after, params in (
        ("(e) contact list, first page of 200, p50 / p95", None, ("", 0)),
        ("(e) contact list, page of 200 at 90 % depth, p50 / p95", tuple(deep_key), deep_key),
    ):
        crm.queries.page(after=after, limit=200)
        ours = timed(lambda after=after: crm.queries.page(after=after, limit=200), 30)
        raw = timed(lambda params=params: conn.execute(page_sql, params).fetchall(), 30)
        rows.append(
            (label, pair(ours), pair(raw), ratio(p50(ours), p50(raw)), target(p95(ours), 16))
        )

    # (f) inserts: the services (audit entry, search index, durable commit each)
    # against raw executemany of the same contact, phone and e-mail rows.
    count = 500
    audit_before = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    start = time.perf_counter()
    made = [
        crm.contacts.create(
            "person",
            ContactPatch(
                first_name=f"Bench{i}",
                last_name="Service",
                add_phones=[PhoneInput(f"040 9{i:06d}")],
                add_emails=[EmailInput(f"bench{i}@service.example")],
            ),
        )
        for i in range(count)
    ]
    ours_rate = count / (time.perf_counter() - start)
    ids = uuid7_strings()
    now = stamp(time.time())
    people, phones_, emails = [], [], []
    for i in range(count):
        cid = next(ids)
        first, last = f"Bench{i}", "Raw"
        people.append(
            (cid, "person", first, last, person_display_name(first, last),
             person_sort_key(first, last), "lead", crm.ctx.actor_id, now, now)
        )  # fmt: skip
        phone = parse_phone(f"040 8{i:06d}", REGION)
        phones_.append((next(ids), cid, phone.raw, phone.e164, reversed_digits(phone.digits)))
        address = f"bench{i}@raw.example"
        emails.append((next(ids), cid, address, address.casefold()))
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO contacts (id, kind, first_name, last_name, display_name, sort_key, stage,"
        " owner_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        people,
    )
    conn.executemany(
        "INSERT INTO contact_phones (id, contact_id, raw, e164, digits_rev) VALUES (?,?,?,?,?)",
        phones_,
    )
    conn.executemany(
        "INSERT INTO contact_emails (id, contact_id, address, address_key) VALUES (?,?,?,?)",
        emails,
    )
    conn.execute("COMMIT")
    raw_rate = count / (time.perf_counter() - start)
    rows.append(
        (
            f"(f) insert a person with a phone and an e-mail ({count}; services: one "
            "transaction each; raw: executemany, one transaction)",
            f"{ours_rate:,.0f} /s",
            f"{raw_rate:,.0f} /s",
            ratio(raw_rate, ours_rate),
            "",
        )
    )
    # Leave the kept database as it was, so the next run measures the same file.
    crm.close()
    conn.execute("BEGIN IMMEDIATE")
    made += [p[0] for p in people]
    marks = ",".join("?" * len(made))
    nums = [r[0] for r in conn.execute(f"SELECT num FROM contacts WHERE id IN ({marks})", made)]
    conn.execute(f"DELETE FROM contact_fts WHERE rowid IN ({','.join('?' * len(nums))})", nums)
    for table in ("contact_phones", "contact_emails", "stage_history"):
        conn.execute(f"DELETE FROM {table} WHERE contact_id IN ({marks})", made)
    conn.execute(f"DELETE FROM contacts WHERE id IN ({marks})", made)
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (audit_before,))
    conn.execute("COMMIT")

    # (g) memory of this process: open, search, pop, list, insert
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(
        ("(g) peak memory of this process (RSS)", f"{peak:.0f} MB", "", "", target(peak, 400, "MB"))
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()

    size = db_path.stat().st_size / 1e9
    header = (
        f"{n:,} contacts ({size:.1f} GB encrypted file), {time.strftime('%Y-%m-%d')}, "
        f"Python {platform.python_version()}, SQLCipher {sqlcipher.sqlite_version}, "
        f"{os.cpu_count()} CPUs. Times in milliseconds unless marked; p50 / p95 over "
        f"many calls after a warm-up, the file in the OS cache."
    )
    table = [
        "| measure | crmdesk | raw baseline | ratio | target |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(r)} |" for r in rows),
    ]
    notes = [
        "",
        "Raw baselines run on a plain sqlcipher3 connection to the same file: (b) connect,",
        "key and read the schema; (c) `MATCH '\"pre\"*' LIMIT 50` without ranking; (d) one",
        "indexed `e164 = ?` lookup, where crmdesk parses the number and builds the whole card",
        "(balance, terms, recent activities, follow-ups, complaints, deals); (e) the keyset",
        "query alone; (f) executemany of the same contact, phone and e-mail rows in one",
        "transaction, where the services commit durably per contact with an audit entry,",
        "lifecycle row and search document. Ratio: how many times the raw baseline is faster.",
    ]
    if misses:
        notes.append(f"WARNING: {misses} of 100 screen pops found no card.")
    text = header + "\n\n" + "\n".join(table + notes) + "\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
