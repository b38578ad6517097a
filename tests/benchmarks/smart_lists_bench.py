"""Smart lists benchmark: what the contacts pane waits for when a list is picked.

    .venv/bin/python tests/benchmarks/smart_lists_bench.py [--contacts 100000]

Builds a demo database of ``--contacts`` contacts (``crmdesk demo``), then for
a few typical lists measures the count, the first page of 200 and the page
keys (what the lazy list asks for), each the best of three runs. Prints a
Markdown table. Timings are reported, not asserted: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crmdesk.domain.smart_query import parse_query
from crmdesk.services.app import Crm
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.demo import generate

PASS = "benchmark passphrase"
LISTS = {
    "customers quiet for 90 days": ["stage is customer", "last purchase more than 90 days ago"],
    "called in the last 2 weeks": ["last call in the last 2 weeks"],
    "bought a product, over 500 in all": ["bought contains winter", "total purchases > 500"],
    "open deal or open complaint (any)": ["open deal is yes", "last complaint in the last 30 days"],
    "name contains 'vir'": ["name contains vir"],
}


def best(fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of three runs in milliseconds, and the result."""
    times, result = [], None
    for _ in range(3):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        crm = Crm.create(Path(folder) / "bench.db", PASS, region="FI", currency="EUR")
        began = time.perf_counter()
        generate(crm, args.contacts, seed=1)
        built = time.perf_counter() - began
        print(f"{args.contacts:,} demo contacts built in {built:.0f} s on {platform.node()}"
              f" ({os.cpu_count()} CPUs)\n")  # fmt: skip
        print("| list | contacts on it | count ms | first page ms | page keys ms |")
        print("|---|---:|---:|---:|---:|")
        for name, conditions in LISTS.items():
            match = "any" if "(any)" in name else "all"
            flt = ContactFilter(smart=parse_query(conditions, match))
            count_ms, count = best(lambda flt=flt: crm.queries.count(flt))
            page_ms, _ = best(lambda flt=flt: crm.queries.page(flt, None, 200))
            keys_ms, _ = best(lambda flt=flt: crm.queries.page_keys(flt, 200))
            print(f"| {name} | {count:,} | {count_ms:.0f} | {page_ms:.0f} | {keys_ms:.0f} |")
        crm.close()


if __name__ == "__main__":
    main()
