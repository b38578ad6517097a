"""Duplicate proposals benchmark: the look after a sync, listing, one merge.

    .venv/bin/python tests/benchmarks/duplicates_bench.py [--contacts 100000] [--touched 1000]

Builds a demo database of ``--contacts`` contacts (``crmdesk demo``), adds 100
pairs of duplicates as another laptop would bring them (the same person with
the phone typed the other way, an e-mail in other case, a typo in the name at
the same company), then measures :meth:`DuplicateService.after_sync`:

1. after a first sync, when every contact arrived (all of them touched);
2. after an ordinary pull that touched ``--touched`` contacts;
3. after a sync that brought nothing (only the contacts changed since the last look);

and listing the open proposals (the dialog's read) and one merge. Prints a
Markdown table. Timings are reported, not asserted: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.demo import generate
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

PASS = "benchmark passphrase"
PAIRS = 100


def add_duplicates(crm: Crm, rng: random.Random) -> list[str]:
    """For PAIRS random people: a second record another laptop made of them."""
    with crm.db.reading() as session:
        people = session.execute(
            text(
                "SELECT c.id, c.first_name, c.last_name, co.company_name,"
                " (SELECT raw FROM contact_phones WHERE contact_id = c.id LIMIT 1),"
                " (SELECT address FROM contact_emails WHERE contact_id = c.id LIMIT 1)"
                " FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id"
                " WHERE c.kind = 'person' AND c.deleted_at IS NULL"
            )
        ).all()
    made = []
    for i, (_id, first, last, company, phone, email) in enumerate(rng.sample(people, PAIRS)):
        patch = ContactPatch(first_name=first, last_name=last)
        if i % 3 == 0 and phone:
            digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
            patch.phones = [PhoneInput(digits)]
        elif i % 3 == 1 and email:
            patch.emails = [EmailInput(email.upper())]
        elif company:
            patch.last_name = last + "s"  # one typo at the same company
            patch.company = company
        made.append(crm.contacts.create("person", patch))
    return made


def timed(fn: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--touched", type=int, default=1_000)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="crmdesk-dupes-") as folder:
        crm = Crm.create(Path(folder) / "bench.db", PASS, region="FI", currency="EUR")
        try:
            start = time.perf_counter()
            generate(crm, args.contacts, seed=3)
            built = time.perf_counter() - start
            new = add_duplicates(crm, rng)
            with crm.db.reading() as session:
                everyone = list(session.execute(text("SELECT id FROM contacts")).scalars())
            rows = []
            first, found = timed(lambda: crm.duplicates.after_sync(everyone))
            rows.append(
                (f"after a first sync (all {len(everyone):,} contacts arrived)", first, found)
            )
            with crm.db.writing() as session:
                session.execute(text("UPDATE duplicate_proposals SET status = 'dismissed'"))
            touched = set(rng.sample(everyone, min(args.touched, len(everyone)))) | set(new)
            pull, found = timed(lambda: crm.duplicates.after_sync(touched))
            rows.append((f"after a pull touching {len(touched):,} contacts", pull, found))
            empty, found = timed(lambda: crm.duplicates.after_sync(set()))
            rows.append(("after a sync that brought nothing", empty, found))
            with crm.db.writing() as session:
                session.execute(text("UPDATE duplicate_proposals SET status = 'open'"))
            listing, pairs = timed(crm.duplicates.open_pairs)
            rows.append(("list the open proposals (dialog, up to 200)", listing, len(pairs)))  # type: ignore[arg-type]
            pair = pairs[0]  # type: ignore[index]
            merge, _ = timed(lambda: crm.merges.merge(pair.left.id, pair.right.id))
            rows.append(("merge one pair", merge, 1))
        finally:
            crm.close()
    print(
        f"{args.contacts:,} demo contacts (+{PAIRS} duplicates; built in {built:.0f} s), "
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs.\n"
    )
    print("| measure | time | proposals open after |")
    print("| --- | --- | --- |")
    for name, seconds, count in rows:
        print(f"| {name} | {seconds * 1000:,.0f} ms | {count:,} |")


if __name__ == "__main__":
    sys.exit(main())
