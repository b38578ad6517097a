"""Import benchmark: a 100,000-row Outlook-style CSV into a database that already
has contacts, with the column mapping and the duplicate checks, beside a raw
``csv`` module parse of the same file.

    .venv/bin/python tests/benchmarks/import_bench.py [--rows 100000] [--existing N]

The file has realistic people from five countries (demo pools), phones typed
in national and international formats, some rows repeating an earlier row's
e-mail, some repeating a contact already in the database, a few invalid
e-mails. Prints a Markdown table. Not part of the test run.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crmdesk.interchange.mapping import Target
from crmdesk.services.app import Crm
from crmdesk.services.demo_pools import COUNTRIES, Country
from crmdesk.services.imports import ImportOptions

PASS = "benchmark passphrase"
HEADER = ["First Name", "Last Name", "Company", "Job Title", "E-mail Address",
          "Mobile Phone", "Business Phone", "Business Street", "Business City",
          "Business Postal Code", "Business Country/Region", "Categories", "Notes"]  # fmt: skip
COMPANY_WORDS = ("Nordic", "Baltic", "Alpine", "Coastal", "City", "Central")
TRADES = ("Tyres", "Motors", "Logistics", "Garage", "Parts", "Trading")


def phone(rng: random.Random, country: Country, home: bool) -> str:
    prefix = rng.choice(country.prefixes)
    rest = country.digits - len(prefix)
    nsn = prefix + f"{rng.randrange(10**rest):0{rest}d}"
    if home:
        return f"{country.trunk}{nsn[:2]} {nsn[2:5]} {nsn[5:]}"
    return f"+{country.calling} {nsn[:2]} {nsn[2:]}"


def write_file(path: Path, rows: int, known_emails: list[str], seed: int = 7) -> None:
    rng = random.Random(seed)
    emails: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            country = rng.choice(COUNTRIES)
            first, last = rng.choice(country.first_names), rng.choice(country.last_names)
            roll = rng.random()
            if roll < 0.04 and emails:
                email = rng.choice(emails).upper()  # the same person again, later in the file
            elif roll < 0.06 and known_emails:
                email = rng.choice(known_emails)  # already in the database
            elif roll < 0.07:
                email = f"{first}.{last}@@broken"  # rejected
            else:
                local = "".join(c for c in f"{first}.{last}" if c.isalnum() or c == ".")
                email = f"{local}.{i}@{country.mail_tld}.example".lower()
                emails.append(email)
            company = ""
            if rng.random() < 0.4:
                company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(TRADES)} {country.suffix}"
            city, _ = rng.choice(country.cities)
            out.writerow([
                first, last, company, rng.choice(("", "", "Buyer", "Owner", "Manager")), email,
                phone(rng, country, country.code == "FI"),
                phone(rng, country, False) if rng.random() < 0.3 else "",
                f"{rng.choice(country.streets)} {rng.randint(1, 90)}", city,
                f"{rng.randint(10000, 99999)}", country.code,
                rng.choice(("", "", "VIP", "Newsletter;VIP", "Fleet")),
                "Met at the fair\nwants a quote" if rng.random() < 0.1 else "",
            ])  # fmt: skip


BUILD = """
import sys
from pathlib import Path
from crmdesk.services import demo
from crmdesk.services.app import Crm
crm = Crm.create(Path(sys.argv[1]), sys.argv[2], region="FI", currency="EUR")
demo.generate(crm, int(sys.argv[3]), seed=3)
crm.close()
"""


def cpu_seconds() -> float:
    """CPU time of this process (the database is built in a child before any step is timed)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Clock:
    """Wall and CPU seconds of one step."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_seconds() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.2f} s ({self.cpu:.2f} s CPU)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, help="contacts already there (default rows/5)")
    args = parser.parse_args()
    existing = args.existing if args.existing is not None else args.rows // 5
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        # Built in a child process, so this one's memory is the import's.
        subprocess.run([sys.executable, "-c", BUILD, str(db_path), PASS, str(existing)], check=True)
        crm = Crm.open(db_path, PASS, region="FI", currency="EUR")
        try:
            with crm.db.reading() as session:
                from sqlalchemy import text

                known = list(
                    session.execute(text("SELECT address FROM contact_emails LIMIT 5000")).scalars()
                )
            path = Path(folder) / "contacts.csv"
            write_file(path, args.rows, known)
            size = path.stat().st_size

            with Clock() as raw, path.open(newline="", encoding="utf-8") as f:
                parsed = sum(1 for _ in csv.reader(f)) - 1

            options = ImportOptions(path, mapping=(("Categories", Target("tags")),))
            with Clock() as dry:
                plan_counts = crm.imports.plan(options).counts
            with Clock() as run:
                result = crm.imports.run(options)
            with Clock() as undo:
                undone = crm.import_history.undo(result.import_id)
            merge = ImportOptions(path, mapping=options.mapping, on_duplicate="merge")
            with Clock() as again:
                merged = crm.imports.run(merge)
        finally:
            crm.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c = result
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{args.rows:,}-row CSV ({size / 1e6:.1f} MB) into a database of {existing:,} "
        f"demo contacts, {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load}. CPU: this process.\n"
    )
    print("| measure | crmdesk | raw baseline | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| parse only (`csv` module, {parsed:,} rows) |  | {raw} |  |  |")
    print(
        f"| dry run (read, map, validate, duplicate check) | {dry} | {raw} "
        f"| {dry.wall / raw.wall:.0f}× |  |"
    )
    ok = "✓" if run.wall < 10 else "✗"
    print(
        f"| import, skip duplicates ({c.created:,} created, {c.new_companies:,} companies, "
        f"{c.skipped:,} skipped, {c.rejected:,} rejected) | {run} "
        f"({args.rows / run.wall:,.0f} rows/s) | {raw} | {run.wall / raw.wall:.0f}× "
        f"| < 10 s {ok} |"
    )
    print(f"| undo that import ({undone.trashed:,} to the trash) | {undo} |  |  |  |")
    print(
        f"| import again, merge duplicates ({merged.created:,} created, "
        f"{merged.merged:,} merged rows) | {again} |  |  |  |"
    )
    print(f"| peak memory of the importing process (RSS) | {rss:.0f} MB |  |  | < 400 MB |")
    print(f"\n(dry run counts: {plan_counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
