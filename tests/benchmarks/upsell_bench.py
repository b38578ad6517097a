"""Upsell and suggestions benchmark: rules from scratch, cached, one customer's offers,
and the suggestions list.

    .venv/bin/python tests/benchmarks/upsell_bench.py [--customers 100000] [--products 60]

Writes ``--customers`` customers in bulk, each buying 1 to 6 of ``--products``
products over the last two years (one purchase per product, some bought again),
with three planted pairs (buyers of one product buy the other four times as
often), a birthday for one in ten and a resolved complaint for one in a hundred.
Then times:

1. computing the rules from scratch (after purchases changed);
2. asking for the rules again when nothing changed (the generation check);
3. one customer's offers with the rules cached (what the card and screen pop pay);
4. the suggestions list (birthdays, quiet customers, complaint check-ins).

Prints a Markdown table. Timings are reported, not asserted: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import stamp, uuid7_strings
from crmdesk.services.inputs import LineInput

PASS = "benchmark passphrase"
T = TypeVar("T")
DAY = 86_400.0


def build(crm: Crm, customers: int, products: int, rng: random.Random) -> list[str]:
    """Write the customers and their purchases; returns the customer ids."""
    ids = uuid7_strings()
    now = time.time()
    product_ids = [next(ids) for _ in range(products)]
    planted = {product_ids[2 * i]: product_ids[2 * i + 1] for i in range(3)}
    contacts, activities, lines = [], [], []
    customer_ids = []
    for n in range(customers):
        cid = next(ids)
        customer_ids.append(cid)
        birthday = None
        if n % 10 == 0:
            birthday = (date(1980, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
        made = stamp(now)
        contacts.append((cid, f"Customer {n}", f"customer {n:07d}", birthday, made, made))
        basket = set(rng.sample(product_ids, rng.randint(1, 6)))
        for first, then in planted.items():
            if first in basket and rng.random() < 0.6:
                basket.add(then)
        for pid in basket:
            for _ in range(1 + (rng.random() < 0.4) + (rng.random() < 0.2)):
                aid = next(ids)
                at = stamp(now - rng.uniform(0, 730) * DAY)
                activities.append((aid, cid, "purchase", at, "", 1000, "EUR", None, None, at, at))
                lines.append((next(ids), aid, pid, "item", "1", 1000, 1000))
        if n % 100 == 0:
            at = stamp(now - rng.uniform(7, 13) * DAY)
            row = (next(ids), cid, "complaint", at, "late", None, None, "resolved", at, at, at)
            activities.append(row)
    with crm.db.writing() as session:
        conn = session.connection().connection.dbapi_connection
        assert conn is not None
        conn.executemany(
            "INSERT INTO products (id, name, currency, created_at, updated_at)"
            " VALUES (?, ?, 'EUR', ?, ?)",
            [(pid, f"Product {i}", stamp(now), stamp(now)) for i, pid in enumerate(product_ids)],
        )
        conn.executemany(
            "INSERT INTO contacts (id, kind, display_name, sort_key, birthday, stage,"
            " created_at, updated_at) VALUES (?, 'person', ?, ?, ?, 'customer', ?, ?)",
            contacts,
        )
        conn.executemany(
            "INSERT INTO activities (id, contact_id, kind, occurred_at, text, amount_minor,"
            " currency, status, resolved_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            activities,
        )
        conn.executemany(
            "INSERT INTO order_lines (id, activity_id, product_id, description, quantity,"
            " unit_price_minor, line_total_minor) VALUES (?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
    print(f"{customers:,} customers, {len(activities):,} activities, {len(lines):,} order lines")
    return customer_ids


def timed(fn: Callable[[], T]) -> tuple[T, str]:
    """``fn()`` and how long it took, for people to read."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    return result, f"{elapsed * 1000:.1f} ms" if elapsed < 1 else f"{elapsed:.2f} s"


def measure(crm: Crm, customers: list[str]) -> list[tuple[str, str, str]]:
    """The five timings, each with a note on what it found."""
    rules, took = timed(crm.upsell.rules)
    rows = [
        ("rules from scratch", took, f"{len(rules.rules)} rules, {rules.customers:,} customers")
    ]
    rows.append(("rules again, nothing changed", timed(crm.upsell.rules)[1], ""))
    someone = customers[len(customers) // 2]
    offers, took = timed(lambda: crm.upsell.suggest_for(someone))
    rows.append(("one customer's offers (rules cached)", took, f"{len(offers)} offers"))
    crm.activities.purchase(someone, [LineInput("Product 7", "1", "10")], at=datetime.now(UTC))
    rows.append(("rules after one new purchase", timed(crm.upsell.rules)[1], ""))
    found, took = timed(lambda: crm.suggestions.list(limit=10_000_000))
    by_rule = Counter(s.rule for s in found)
    rows.append(("suggestions list", took, ", ".join(f"{n:,} {r}" for r, n in by_rule.items())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("CRMDESK_HOME", folder)
        crm = Crm.create(Path(folder) / "bench.db", PASS, region="FI", currency="EUR")
        try:
            customers = build(crm, args.customers, args.products, random.Random(5))
            rows = measure(crm, customers)
        finally:
            crm.close()
    print(f"\n{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}\n")
    print("| measure | time | notes |\n| --- | --- | --- |")
    for label, shown, note in rows:
        print(f"| {label} | {shown} | {note} |")


if __name__ == "__main__":
    main()
