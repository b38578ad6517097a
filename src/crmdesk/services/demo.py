"""Realistic demo data for screenshots, trials and benchmarks.

People and companies from five countries, phones, e-mails, addresses, tags,
lifecycle history, two years of calls, visits, purchases, payments and
complaints, open follow-ups and deals. Written in large batches straight into
the tables (and the search index) so a million contacts take minutes; one
audit entry records the run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from crmdesk.domain.ids import new_id
from crmdesk.domain.names import company_sort_key, person_display_name, person_sort_key, sort_key
from crmdesk.services import audit
from crmdesk.services import demo_pools as pools
from crmdesk.services.app import Crm
from crmdesk.store.models import Product, Tag
from crmdesk.store.types import format_utc

BATCH = 10_000
BULK_CACHE_KIB = -512_000  # negative: KiB, so 500 MiB
TRUNK_ZERO = {"FI", "SI", "GB"}
SUBSCRIBER_DIGITS = {"FI": 9, "IT": 10, "EE": 8, "SI": 8, "GB": 10}
STAGES = [
    ("lead", 20),
    ("prospect", 15),
    ("customer", 30),
    ("repeat_customer", 20),
    ("at_risk", 8),
    ("lapsed", 7),
]
STAGE_PATH = ["lead", "prospect", "customer", "repeat_customer"]
KINDS = [
    ("call", 30),
    ("email", 15),
    ("note", 10),
    ("visit", 8),
    ("meeting", 6),
    ("purchase", 20),
    ("payment", 9),
    ("complaint", 2),
]


@dataclass(frozen=True)
class DemoStats:
    """What a demo run added."""

    contacts: int
    companies: int
    activities: int
    followups: int
    deals: int
    seconds: float


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


class _Generator:
    def __init__(self, crm: Crm, seed: int) -> None:
        self.crm = crm
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.actor = crm.ctx.actor_id
        self.currency = crm.ctx.currency
        self.counts = dict(contacts=0, companies=0, activities=0, followups=0, deals=0)

    def ts(self, days_ago_max: float, days_ago_min: float = 0.0) -> str:
        delta = self.rng.uniform(days_ago_min, days_ago_max)
        return format_utc(self.now - timedelta(days=delta))

    def phone(self, country: tuple[Any, ...]) -> tuple[str, str, str]:
        """(raw, e164, digits of the national form)."""
        code, calling, prefixes = country[0], country[1], country[2]
        prefix = self.rng.choice(prefixes)
        rest = SUBSCRIBER_DIGITS[code] - len(prefix)
        subscriber = prefix + "".join(self.rng.choice("0123456789") for _ in range(rest))
        national = ("0" if code in TRUNK_ZERO else "") + subscriber
        e164 = f"+{calling}{subscriber}"
        if self.rng.random() < 0.5:
            cut = len(prefix) + (code in TRUNK_ZERO)
            raw = f"{national[:cut]} {national[cut:]}"
        else:
            raw = f"+{calling} {subscriber[: len(prefix)]} {subscriber[len(prefix) :]}"
        return raw, e164, national


def generate(
    crm: Crm,
    contacts: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoStats:
    """Add ``contacts`` demo contacts (about 15 % companies) with their history."""
    started = time.perf_counter()
    gen = _Generator(crm, seed)
    with crm.db.writing() as session:
        products = _ensure_products(session, gen)
        tags = _ensure_tags(session)
        next_num = (
            session.execute(text("SELECT coalesce(max(num), 0) FROM contacts")).scalar_one()
        ) + 1
    done = 0
    with crm.db.engine.connect() as raw:
        conn = raw.execution_options(crmdesk_write=True)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        # One connection for the whole run, with a large page cache: the random
        # index inserts of a big run stay in memory instead of being decrypted
        # again and again.
        default_cache = dbapi.execute("PRAGMA cache_size").fetchone()[0]
        dbapi.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        try:
            while done < contacts:
                if cancelled is not None and cancelled():
                    break
                size = min(BATCH, contacts - done)
                with conn.begin():
                    _batch(gen, dbapi, size, next_num, products, tags)
                next_num += size
                done += size
                if progress is not None:
                    progress(done, contacts)
        finally:
            dbapi.execute(f"PRAGMA cache_size = {default_cache}")
    with crm.db.writing() as session:
        audit.append(
            session,
            gen.actor,
            "demo",
            "contact",
            None,
            f"demo data: {gen.counts['contacts']} contacts",
            dict(gen.counts),
        )
    return DemoStats(seconds=time.perf_counter() - started, **gen.counts)


def _ensure_products(session: Any, gen: _Generator) -> list[tuple[str, str, int]]:
    existing = {p.name: p for p in session.execute(select(Product)).scalars()}
    out = []
    now = datetime.now(UTC)
    for name, price in pools.PRODUCTS:
        product = existing.get(name)
        if product is None:
            product = Product(
                id=new_id(),
                name=name,
                unit_price_minor=price,
                currency=gen.currency,
                created_at=now,
                updated_at=now,
            )
            session.add(product)
        out.append((product.id, name, product.unit_price_minor or price))
    session.flush()
    return out


def _ensure_tags(session: Any) -> list[tuple[str, str]]:
    existing = {t.name.casefold(): t for t in session.execute(select(Tag)).scalars()}
    out = []
    for name in pools.TAGS:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(id=new_id(), name=name, created_at=datetime.now(UTC))
            session.add(tag)
        out.append((tag.id, tag.name))
    session.flush()
    return out


def _batch(
    gen: _Generator,
    dbapi: Any,
    size: int,
    first_num: int,
    products: list[tuple[str, str, int]],
    tags: list[tuple[str, str]],
) -> None:
    rng = gen.rng
    rows: dict[str, list[tuple[Any, ...]]] = {
        k: []
        for k in (
            "contacts",
            "phones",
            "emails",
            "addresses",
            "tags",
            "history",
            "activities",
            "lines",
            "followups",
            "deals",
            "fts",
        )
    }
    companies: list[tuple[str, str, tuple[Any, ...]]] = []  # (id, name, country)
    activity_text: dict[str, list[str]] = {}
    for offset in range(size):
        num = first_num + offset
        country = rng.choice(pools.COUNTRIES)
        is_company = rng.random() < 0.15 or (offset == 0)
        created = gen.ts(730, 30)
        contact_id = new_id()
        stage = _weighted(rng, STAGES)
        company_id, company_name, title = None, "", ""
        terms: tuple[Any, ...] = (None, None, None, 0, "")
        if is_company:
            name = (
                f"{rng.choice(pools.COMPANY_WORDS)} {rng.choice(pools.COMPANY_TRADES)} "
                f"{rng.choice(country[5])} {country[6]}"
            )
            first = last = ""
            display, key = name, company_sort_key(name)
            companies.append((contact_id, name, country))
            if rng.random() < 0.5:
                terms = (
                    rng.choice([7, 14, 30, 45]),
                    rng.choice([1000, 2500, 5000, 10000]) * 100,
                    gen.currency,
                    rng.choice([0, 0, 250, 500, 1000]),
                    rng.choice(["", "", "wholesale", "fleet"]),
                )
        else:
            first, last = rng.choice(country[3]), rng.choice(country[4])
            display, key = person_display_name(first, last), person_sort_key(first, last)
            name = ""
            if companies and rng.random() < 0.4:
                company_id, company_name, _ = rng.choice(companies)
                title = rng.choice(["", "", "Manager", "Buyer", "Owner", "Fleet manager"])
        notes = rng.choice(
            [
                "",
                "",
                "",
                "Prefers e-mail",
                "Call after 3 pm",
                "Pays on time",
                "Speaks English",
                "Has three cars",
            ]
        )
        rows["contacts"].append(
            (
                num,
                contact_id,
                "company" if is_company else "person",
                first,
                last,
                name,
                title,
                company_id,
                display,
                key,
                stage,
                rng.choice(pools.SOURCES),
                gen.actor,
                "",
                None,
                notes,
                int(rng.random() < 0.6),
                created,
                created,
                None,
                *terms,
            )
        )
        gen.counts["contacts"] += 1
        gen.counts["companies"] += int(is_company)
        # phones, e-mails, address
        phone_tokens: set[str] = set()
        for position in range(1 if rng.random() < 0.75 else 2):
            raw, e164, national = gen.phone(country)
            digits = "".join(c for c in raw if c.isdigit())
            rows["phones"].append(
                (
                    new_id(),
                    contact_id,
                    "mobile" if position == 0 else "work",
                    raw,
                    e164,
                    digits[::-1],
                    position,
                )
            )
            phone_tokens |= {digits, e164[1:], national}
        email = ""
        if rng.random() < 0.85:
            local = sort_key(display).replace(" ", ".").replace("'", "")
            domain = sort_key(company_name or name or rng.choice(["mail", "posti", "inbox"]))
            email = (
                f"{local}{rng.randint(1, 99) if not is_company else ''}@"
                f"{domain.split(' ')[0]}.{country[0].lower()}"
            )
            if is_company:
                email = f"info@{sort_key(name).split(' ')[0]}.{country[0].lower()}"
            rows["emails"].append((new_id(), contact_id, "", email, email.casefold(), 0))
        if rng.random() < 0.7:
            rows["addresses"].append(
                (
                    new_id(),
                    contact_id,
                    "",
                    f"{rng.choice(pools.STREETS)} {rng.randint(1, 120)}",
                    f"{rng.randint(10000, 99999)}",
                    rng.choice(country[5]),
                    "",
                    country[0],
                    0,
                )
            )
        if rng.random() < 0.3:
            for tag_id, _ in rng.sample(tags, rng.choice([1, 1, 2])):
                rows["tags"].append((contact_id, tag_id))
        # lifecycle history up to the current stage
        path = (
            STAGE_PATH[: STAGE_PATH.index(stage) + 1]
            if stage in STAGE_PATH
            else ["lead", "customer", stage]
        )
        previous = None
        for step, to_stage in enumerate(path):
            when = created if step == 0 else gen.ts(700 - 200 * step, 5)
            rows["history"].append((new_id(), contact_id, previous, to_stage, when, gen.actor))
            previous = to_stage
        # activities
        texts = activity_text.setdefault(contact_id, [])
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])):
            _activity(gen, rows, contact_id, stage, products, texts)
        if rng.random() < 0.3:
            due = gen.now + timedelta(days=rng.uniform(-20, 40))
            created_f = gen.ts(60, 20)
            rows["followups"].append(
                (
                    new_id(),
                    contact_id,
                    None,
                    gen.actor,
                    format_utc(due),
                    rng.choice(pools.FOLLOWUP_TEXTS),
                    rng.choice(["low", "normal", "normal", "high"]),
                    rng.choice(["none", "none", "none", "monthly"]),
                    None,
                    created_f,
                    created_f,
                    None,
                )
            )
            gen.counts["followups"] += 1
        if rng.random() < 0.05:
            deal_stage = rng.choice(["new", "qualified", "proposal", "negotiation", "won", "lost"])
            reason = ""
            closed = None
            if deal_stage in ("won", "lost"):
                reason = rng.choice(
                    pools.WON_REASONS if deal_stage == "won" else pools.LOST_REASONS
                )
                closed = gen.ts(300, 1)
            created_d = gen.ts(400, 30)
            close_date = (gen.now + timedelta(days=rng.randint(-60, 120))).date().isoformat()
            rows["deals"].append(
                (
                    new_id(),
                    contact_id,
                    rng.choice(pools.DEAL_TITLES),
                    deal_stage,
                    rng.randint(5, 500) * 10000,
                    gen.currency,
                    close_date,
                    gen.actor,
                    reason,
                    closed,
                    created_d,
                    created_d,
                    None,
                )
            )
            gen.counts["deals"] += 1
        rows["fts"].append(
            (
                num,
                display,
                " ".join(p for p in (company_name, title) if p),
                email,
                " ".join(sorted(phone_tokens)),
                notes,
                "\n".join(reversed(texts)),
            )
        )
    _write(dbapi, rows)


def _activity(
    gen: _Generator,
    rows: dict[str, list[tuple[Any, ...]]],
    contact_id: str,
    stage: str,
    products: list[tuple[str, str, int]],
    texts: list[str],
) -> None:
    rng = gen.rng
    kind = _weighted(rng, KINDS)
    if kind in ("purchase", "payment") and stage in ("lead", "prospect"):
        kind = "call"
    when = gen.ts(730)
    activity_id = new_id()
    amount = None
    currency = None
    status = None
    resolution = ""
    resolved = None
    if kind == "purchase":
        total = 0
        names = []
        for position in range(rng.choice([1, 1, 2, 3])):
            product_id, name, price = rng.choice(products)
            qty = rng.choice([1, 1, 1, 2, 4])
            rows["lines"].append(
                (new_id(), activity_id, product_id, name, str(qty), price, price * qty, position)
            )
            total += price * qty
            names.append(name)
        body = ", ".join(names)
        amount, currency = total, gen.currency
    elif kind == "payment":
        amount, currency = rng.randint(2, 60) * 1000, gen.currency
        body = rng.choice(["Bank transfer", "Card payment", "Cash", ""])
    elif kind == "complaint":
        body, fix = rng.choice(pools.COMPLAINTS)
        status = rng.choice(["open", "in_progress", "resolved", "resolved", "resolved"])
        if status == "resolved":
            resolution, resolved = fix, when
    elif kind in ("meeting", "visit"):
        body = rng.choice(pools.MEETING_NOTES)
    else:
        body = rng.choice(pools.CALL_NOTES)
    rows["activities"].append(
        (
            activity_id,
            contact_id,
            kind,
            when,
            body,
            gen.actor,
            None,
            amount,
            currency,
            status,
            resolution,
            resolved,
            when,
            when,
            None,
        )
    )
    if body:
        texts.append(body)
    gen.counts["activities"] += 1


def _write(dbapi: Any, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    statements = {
        "contacts": "INSERT INTO contacts (num, id, kind, first_name, last_name, company_name,"
        " title, company_id, display_name, sort_key, stage, source, owner_id, website, birthday,"
        " notes, consent_marketing, created_at, updated_at, deleted_at, payment_terms_days,"
        " credit_limit_minor, terms_currency, discount_bp, price_list)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "phones": "INSERT INTO contact_phones (id, contact_id, label, raw, e164, digits_rev,"
        " position) VALUES (?,?,?,?,?,?,?)",
        "emails": "INSERT INTO contact_emails (id, contact_id, label, address, address_key,"
        " position) VALUES (?,?,?,?,?,?)",
        "addresses": "INSERT INTO contact_addresses (id, contact_id, label, street, postal_code,"
        " city, region, country, position) VALUES (?,?,?,?,?,?,?,?,?)",
        "tags": "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) VALUES (?,?)",
        "history": "INSERT INTO stage_history (id, contact_id, from_stage, to_stage, changed_at,"
        " user_id) VALUES (?,?,?,?,?,?)",
        "activities": "INSERT INTO activities (id, contact_id, kind, occurred_at, text, user_id,"
        " deal_id, amount_minor, currency, status, resolution, resolved_at, created_at,"
        " updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "lines": "INSERT INTO order_lines (id, activity_id, product_id, description, quantity,"
        " unit_price_minor, line_total_minor, position) VALUES (?,?,?,?,?,?,?,?)",
        "followups": "INSERT INTO followups (id, contact_id, deal_id, owner_id, due_at, text,"
        " priority, recurrence, done_at, created_at, updated_at, deleted_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        "deals": "INSERT INTO deals (id, contact_id, title, stage, value_minor, currency,"
        " expected_close, owner_id, reason, closed_at, created_at, updated_at, deleted_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "fts": "INSERT INTO contact_fts (rowid, name, company, emails, phones, notes, activity)"
        " VALUES (?,?,?,?,?,?,?)",
    }
    for key, sql in statements.items():
        if rows[key]:
            dbapi.executemany(sql, rows[key])
