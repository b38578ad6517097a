"""Realistic demo data for screenshots, trials and benchmarks.

People and companies from five countries with phones, e-mails, addresses,
tags and commercial terms; a lifecycle history that follows their purchases;
two years of calls, visits, purchases with order lines, payments and
complaints; open follow-ups (overdue, today, upcoming) and deals in every
stage. A million contacts take minutes, so rows are not written through the
per-record services: each batch of contacts goes into the tables and the
search index in one transaction.
The rows are the ones the services would have written (same E.164 numbers,
e-mail keys, sort keys, index documents and timestamps), and one audit entry
records the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from crmdesk.domain.ids import named_id, new_id
from crmdesk.domain.names import company_sort_key
from crmdesk.errors import DatabaseBusy
from crmdesk.services import audit, sync_seed
from crmdesk.services import demo_pools as pools
from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import write_rows
from crmdesk.services.demo_base import (
    COMPANY_SHARE,
    DAY,
    FOLLOWUP_CHANCE,
    OTHER_ACTIVITIES,
    OTHER_KINDS,
    PURCHASES,
    RECENT_COMPANIES,
    STAGES,
    Batch,
    Company,
    Counts,
)
from crmdesk.services.demo_details import ContactDetails
from crmdesk.services.demo_timeline import Timeline
from crmdesk.store.fts import ACTIVITY_TEXT_LIMIT, RECENT_ACTIVITIES
from crmdesk.store.models import Product, Tag

BATCH = 10_000
BULK_CACHE_KIB = -131_072  # negative: KiB, so 128 MiB


@dataclass(frozen=True)
class DemoStats:
    """What a demo run added."""

    contacts: int
    companies: int
    activities: int
    followups: int
    deals: int
    seconds: float


def generate(
    crm: Crm,
    contacts: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoStats:
    """Add ``contacts`` demo contacts (about 15 % companies) with their history.

    ``progress(done, total)`` follows every committed batch; once ``cancelled()``
    answers True no further batch is started, and what was committed stays.
    The same ``seed`` gives the same people; dates are relative to now.
    """
    started = time.perf_counter()
    totals = Counts()
    with crm.db.writing() as session:
        products = _ensure_products(session, crm.ctx.currency)
        tags = _ensure_tags(session)
        next_num = (
            session.execute(text("SELECT coalesce(max(num), 0) FROM contacts")).scalar_one()
        ) + 1
    gen = _Generator(crm, seed, products, tags)
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
            while totals.contacts < contacts:
                if cancelled is not None and cancelled():
                    break
                size = min(BATCH, contacts - totals.contacts)
                batch = gen.batch(size, next_num + totals.contacts)
                with conn.begin():
                    write_rows(dbapi, batch)
                totals.add(batch.counts)
                if progress is not None:
                    progress(totals.contacts, contacts)
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusy(
                    "The database is busy in another program; try again in a moment."
                ) from exc
            raise
        finally:
            dbapi.execute(f"PRAGMA cache_size = {default_cache}")
    if totals.contacts:
        with crm.db.writing() as session:
            audit.append(
                session,
                crm.ctx.actor_id,
                "demo",
                "contact",
                None,
                f"demo data: {totals.contacts} contacts",
                {**totals.as_dict(), "seed": seed},
            )
            # Written around the unit of work: the next sync queues these rows.
            sync_seed.mark_unseeded(session)
    return DemoStats(seconds=time.perf_counter() - started, **totals.as_dict())


class _Generator(ContactDetails, Timeline):
    """One contact at a time, with everything around it, into a batch."""

    # -- one batch -------------------------------------------------------

    def batch(self, size: int, first_num: int) -> Batch:
        batch = Batch()
        for offset in range(size):
            self.contact(batch, first_num + offset)
        return batch

    def contact(self, b: Batch, num: int) -> None:
        rng, now, ids = self.rng, self.now, self.ids
        country = self.countries[self.pick(self.cum_countries)]
        is_company = rng.random() < COMPANY_SHARE
        stage, _, min_age = STAGES[self.pick(self.cum_stages)]
        max_age = 365 if stage == "lead" else 730
        created = now - self.between(min_age, max_age) * DAY - rng.random() * DAY
        contact_id = next(ids)
        first = last = name = title = ""
        company: Company | None = None
        terms: tuple[Any, ...] = (None, None, None, 0, "")
        website = own_domain = ""
        birthday = None
        if is_company:
            name, slug = self.company_name(country)
            display, key = name, company_sort_key(name)
            own_domain = f"{slug}.example"
            recent = self.companies[country.code]
            recent.append(Company(contact_id, name, own_domain))
            if len(recent) > 2 * RECENT_COMPANIES:
                del recent[:RECENT_COMPANIES]
            if rng.random() < 0.7:
                website = f"https://www.{own_domain}"
            if rng.random() < 0.55:
                terms = (
                    rng.choice((7, 14, 14, 30, 30, 45, 60)),
                    rng.choice((1000, 2500, 5000, 10000, 20000)) * 100,
                    self.currency,
                    rng.choice((0, 0, 0, 250, 500, 750, 1000)),
                    rng.choice(("", "", *pools.PRICE_LISTS)),
                )
        else:
            first = rng.choice(country.first_names)
            last = rng.choice(country.last_names)
            display, key = self.person_names(first, last)
            recent = self.companies[country.code]
            if recent and rng.random() < 0.4:
                company = recent[int(rng.random() * len(recent))]
                title = rng.choice(pools.TITLES) if rng.random() < 0.6 else ""
            elif rng.random() < 0.03:
                terms = (14, None, self.currency, 0, "")
            if rng.random() < 0.3:
                birthday = (
                    f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
        notes = rng.choice(pools.CONTACT_NOTES) if rng.random() < 0.3 else ""
        consent = rng.random() < 0.6
        source = rng.choice(pools.SOURCES)
        b.counts.contacts += 1
        b.counts.companies += is_company

        phone_tokens = self.phones(b, contact_id, country, is_company)
        emails = self.emails(b, contact_id, country, first, last, company, own_domain)
        if rng.random() < (0.95 if is_company else 0.7):
            self.address(b, contact_id, country, is_company)

        # Purchases decide the lifecycle: the first makes a customer, the
        # second a repeat customer; no purchase for half a year puts the
        # customer at risk, for a year makes them lapsed.
        texts: list[tuple[float, str]] = []
        purchase_times: list[float] = []
        if stage in PURCHASES:
            latest = {"at_risk": now - 180 * DAY, "lapsed": now - 365 * DAY}.get(stage, now)
            purchase_times = sorted(
                self.between(created, latest) for _ in range(rng.choice(PURCHASES[stage]))
            )
        terms_days = terms[0] if terms[0] is not None else 0
        for when in purchase_times:
            self.purchase(b, contact_id, when, terms_days, is_company, texts)
        for _ in range(rng.choice(OTHER_ACTIVITIES[stage]) + is_company):
            kind = OTHER_KINDS[self.pick(self.cum_kinds)][0]
            self.activity(b, contact_id, kind, self.between(created, now), None, texts)
        updated = self.history(b, contact_id, stage, created, purchase_times)

        deal_id = self.deal(b, contact_id, created, is_company, texts)
        if rng.random() < FOLLOWUP_CHANCE[stage] + 0.15 * is_company:
            self.followup(b, contact_id, created, stage, deal_id)

        tag_names = []
        if consent and rng.random() < 0.5:
            tag_names.append("newsletter")
        if stage == "repeat_customer" and rng.random() < 0.25:
            tag_names.append("vip")
        if terms[4] in ("wholesale", "fleet"):
            tag_names.append(terms[4])
        if source in ("trade fair", "referral") and rng.random() < 0.5:
            tag_names.append(source)
        if is_company and (terms[1] or 0) >= 500_000 and rng.random() < 0.3:
            tag_names.append("key account")
        if rng.random() < 0.05:
            tag_names.append("seasonal")
        b.tags.extend((contact_id, self.tags[t]) for t in tag_names)

        b.contacts.append(
            (
                num,
                contact_id,
                "company" if is_company else "person",
                first,
                last,
                name,
                title,
                company.id if company else None,
                display,
                key,
                stage,
                source,
                self.actor,
                website,
                birthday,
                notes,
                int(consent),
                self.past(created),
                self.past(updated),
                None,
                *terms,
            )
        )
        # The search document, as crmdesk.store.fts builds it.
        texts.sort(reverse=True)
        activity = "\n".join(t for _, t in texts[:RECENT_ACTIVITIES] if t)
        b.fts.append(
            (
                num,
                display,
                " ".join(p for p in (company.name if company else "", title) if p),
                " ".join(emails),
                " ".join(sorted(phone_tokens)),
                notes,
                activity[:ACTIVITY_TEXT_LIMIT],
            )
        )


def _ensure_products(session: Any, currency: str) -> list[tuple[str, str, int]]:
    """The demo catalogue: (id, name, unit price); existing products are reused."""
    existing = {
        p.name.casefold(): p
        for p in session.execute(select(Product).where(Product.deleted_at.is_(None))).scalars()
    }
    out = []
    now = datetime.now(UTC)
    for name, price in pools.PRODUCTS:
        product = existing.get(name.casefold())
        if product is None:
            product = Product(
                id=new_id(),
                name=name,
                unit_price_minor=price,
                currency=currency,
                created_at=now,
                updated_at=now,
            )
            session.add(product)
        out.append((product.id, product.name, product.unit_price_minor or price))
    session.flush()
    return out


def _ensure_tags(session: Any) -> dict[str, str]:
    """Tag name -> id for the demo tags; existing tags (any case) are reused."""
    existing = {t.name.casefold(): t for t in session.execute(select(Tag)).scalars()}
    out = {}
    for name in pools.TAGS:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = Tag(id=named_id("tag", name), name=name, created_at=datetime.now(UTC))
            session.add(tag)
        out[name] = tag.id
    session.flush()
    return out
