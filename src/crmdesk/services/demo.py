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

import functools
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from crmdesk.domain.ids import named_id, new_id
from crmdesk.domain.names import company_sort_key, person_display_name, person_sort_key, sort_key
from crmdesk.errors import DatabaseBusy
from crmdesk.services import audit, sync_seed
from crmdesk.services import demo_pools as pools
from crmdesk.services.app import Crm
from crmdesk.store.fts import ACTIVITY_TEXT_LIMIT, RECENT_ACTIVITIES
from crmdesk.store.models import Product, Tag

BATCH = 10_000
BULK_CACHE_KIB = -131_072  # negative: KiB, so 128 MiB
DAY = 86_400.0
OFFICE_OPENS = 6 * 3600.0  # past activity falls between 06 and 16 UTC (office hours in Europe)
OFFICE_SHARE = 10 / 24
COMPANY_SHARE = 0.15
HOME_SHARE = 0.4  # of contacts from the database's own phone region, when it has a pool
RECENT_COMPANIES = 2_000  # people join one of the latest companies of their country

# Lifecycle stage: share of contacts, and how old (days) such a contact is at least.
STAGES = (
    ("lead", 20, 1),
    ("prospect", 15, 7),
    ("customer", 30, 30),
    ("repeat_customer", 20, 90),
    ("at_risk", 8, 240),
    ("lapsed", 7, 420),
)
PURCHASES = {
    "customer": (1,),
    "repeat_customer": (2, 2, 3),
    "at_risk": (1, 2, 2, 3),
    "lapsed": (1, 1, 2),
}
OTHER_ACTIVITIES = {
    "lead": (0, 0, 1, 1, 2),
    "prospect": (1, 1, 2),
    "customer": (0, 0, 0, 1, 1),
    "repeat_customer": (0, 1, 1),
    "at_risk": (0, 0, 1),
    "lapsed": (0, 0, 1),
}
FOLLOWUP_CHANCE = {
    "lead": 0.35,
    "prospect": 0.5,
    "customer": 0.2,
    "repeat_customer": 0.25,
    "at_risk": 0.4,
    "lapsed": 0.15,
}
OTHER_KINDS = (("call", 40), ("email", 25), ("note", 10), ("visit", 12), ("meeting", 8))
DEAL_STAGES = (
    ("new", 15),
    ("qualified", 15),
    ("proposal", 15),
    ("negotiation", 10),
    ("won", 25),
    ("lost", 20),
)
Row = tuple[Any, ...]
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


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
    totals = _Counts()
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
                    _write(dbapi, batch)
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


@dataclass
class _Counts:
    contacts: int = 0
    companies: int = 0
    activities: int = 0
    followups: int = 0
    deals: int = 0

    def add(self, other: _Counts) -> None:
        for name, value in other.as_dict().items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Batch:
    """The rows of one batch, per table, ready for ``executemany``."""

    counts: _Counts = field(default_factory=_Counts)
    contacts: list[Row] = field(default_factory=list)
    phones: list[Row] = field(default_factory=list)
    emails: list[Row] = field(default_factory=list)
    addresses: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    deals: list[Row] = field(default_factory=list)
    activities: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    followups: list[Row] = field(default_factory=list)
    fts: list[Row] = field(default_factory=list)


def uuid7_strings() -> Iterator[str]:
    """Valid, time-ordered UUIDv7 strings like :func:`crmdesk.domain.ids.new_id`
    makes, a few times faster: 4,096 per millisecond, random bits in bulk."""
    last_ms = 0
    while True:
        ms = max(time.time_ns() // 1_000_000, last_ms + 1)
        last_ms = ms
        head = f"{ms:012x}"
        prefix = f"{head[:8]}-{head[8:]}-7"
        rand = os.urandom(8 * 4096).hex()
        for counter in range(4096):
            r = rand[counter * 16 : counter * 16 + 16]
            yield f"{prefix}{counter:03x}-{_VARIANT[r[0]]}{r[1:4]}-{r[4:]}"


def stamp(epoch: float) -> str:
    """``format_utc`` of an epoch time in seconds, without building a datetime."""
    ms = int(epoch * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


@functools.lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    """Lowercase letters and digits only: ``D'Alessandro`` -> ``dalessandro``."""
    return _NOT_ALNUM.sub("", sort_key(text))


@dataclass
class _Company:
    id: str
    name: str
    domain: str


class _Generator:
    def __init__(
        self,
        crm: Crm,
        seed: int,
        products: list[tuple[str, str, int]],
        tags: dict[str, str],
    ) -> None:
        self.rng = random.Random(seed)
        self.ids = uuid7_strings()
        self.now = time.time()
        local = datetime.now().astimezone()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        self.day_end = (midnight + timedelta(days=1)).timestamp()
        self.actor = crm.ctx.actor_id
        self.currency = crm.ctx.currency
        self.region = crm.ctx.region
        self.products = products
        self.tags = tags
        self.names: dict[tuple[str, str], tuple[str, str]] = {}
        self.companies: dict[str, list[_Company]] = {c.code: [] for c in pools.COUNTRIES}
        home = [c for c in pools.COUNTRIES if c.code == self.region]
        others = [c for c in pools.COUNTRIES if c.code != self.region]
        if home:
            share = (1 - HOME_SHARE) / len(others)
            self.country_weights = [HOME_SHARE, *[share] * len(others)]
            self.countries = [home[0], *others]
        else:
            self.countries = others
            self.country_weights = [1.0] * len(others)
        self.cum_countries = _cumulative(self.country_weights)
        self.cum_stages = _cumulative([w for _, w, _ in STAGES])
        self.cum_kinds = _cumulative([w for _, w in OTHER_KINDS])
        self.cum_deals = _cumulative([w for _, w in DEAL_STAGES])

    # -- small helpers ---------------------------------------------------

    def pick(self, cum: list[float]) -> int:
        x = self.rng.random() * cum[-1]
        for i, edge in enumerate(cum):
            if x < edge:
                return i
        return len(cum) - 1

    def between(self, start: float, end: float) -> float:
        return start + self.rng.random() * max(0.0, end - start)

    def past(self, moment: float) -> str:
        """A past moment, stamped in office hours; earlier stays earlier."""
        day = moment - moment % DAY
        return stamp(min(day + OFFICE_OPENS + (moment - day) * OFFICE_SHARE, self.now))

    # -- one batch -------------------------------------------------------

    def batch(self, size: int, first_num: int) -> _Batch:
        batch = _Batch()
        for offset in range(size):
            self.contact(batch, first_num + offset)
        return batch

    def contact(self, b: _Batch, num: int) -> None:
        rng, now, ids = self.rng, self.now, self.ids
        country = self.countries[self.pick(self.cum_countries)]
        is_company = rng.random() < COMPANY_SHARE
        stage, _, min_age = STAGES[self.pick(self.cum_stages)]
        max_age = 365 if stage == "lead" else 730
        created = now - self.between(min_age, max_age) * DAY - rng.random() * DAY
        contact_id = next(ids)
        first = last = name = title = ""
        company: _Company | None = None
        terms: tuple[Any, ...] = (None, None, None, 0, "")
        website = own_domain = ""
        birthday = None
        if is_company:
            name, slug = self.company_name(country)
            display, key = name, company_sort_key(name)
            own_domain = f"{slug}.example"
            recent = self.companies[country.code]
            recent.append(_Company(contact_id, name, own_domain))
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

    def person_names(self, first: str, last: str) -> tuple[str, str]:
        """(display name, sort key), computed once per name pair."""
        names = self.names.get((first, last))
        if names is None:
            names = person_display_name(first, last), person_sort_key(first, last)
            self.names[(first, last)] = names
        return names

    def company_name(self, country: pools.Country) -> tuple[str, str]:
        """(name, ascii slug for the web domain)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            core = f"{rng.choice(pools.COMPANY_WORDS)} {rng.choice(pools.COMPANY_TRADES)}"
        elif roll < 0.7:
            core = f"{rng.choice(country.last_names)} {rng.choice(pools.COMPANY_TRADES)}"
        elif roll < 0.85:
            core = (
                f"{rng.choice(pools.COMPANY_WORDS)} {rng.choice(pools.COMPANY_TRADES)} "
                f"{rng.choice(country.cities)[0]}"
            )
        else:
            core = f"{rng.choice(country.last_names)} & {rng.choice(country.last_names)}"
        return f"{core} {country.suffix}", _ascii(core)

    def phones(
        self, b: _Batch, contact_id: str, country: pools.Country, is_company: bool
    ) -> set[str]:
        """One or two mobile numbers; home numbers often typed in national format.

        Numbers of other countries are typed with their country code, so
        parsing what is stored with the database's region gives back the same
        E.164 number the row holds. Returns the number's search tokens.
        """
        rng = self.rng
        tokens: set[str] = set()
        for position in range(1 if rng.random() < 0.75 else 2):
            prefix = rng.choice(country.prefixes)
            rest = country.digits - len(prefix)
            nsn = prefix + f"{rng.randrange(10**rest):0{rest}d}"
            groups, start = [], 0
            for size in country.groups:
                groups.append(nsn[start : start + size])
                start += size
            national = country.trunk + nsn
            if country.code == self.region and rng.random() < 0.6:
                style = rng.random()
                if style < 0.6:
                    raw = " ".join([country.trunk + groups[0], *groups[1:]])
                elif style < 0.8:
                    raw = national
                else:
                    raw = f"{country.trunk}{groups[0]}-{''.join(groups[1:])}"
            elif rng.random() < 0.8:
                raw = " ".join([f"+{country.calling}", *groups])
            else:
                raw = f"+{country.calling}{nsn}"
            digits = raw.replace(" ", "").replace("-", "").replace("+", "")
            e164 = f"+{country.calling}{nsn}"
            label = ("work" if is_company else "mobile") if position == 0 else "work"
            b.phones.append((next(self.ids), contact_id, label, raw, e164, digits[::-1], position))
            tokens.update((digits, e164[1:], national))
        return tokens

    def emails(
        self,
        b: _Batch,
        contact_id: str,
        country: pools.Country,
        first: str,
        last: str,
        company: _Company | None,
        own_domain: str,
    ) -> list[str]:
        rng = self.rng
        out: list[str] = []
        if own_domain:
            if rng.random() < 0.85:
                out.append(f"{rng.choice(('info', 'sales', 'office', 'orders'))}@{own_domain}")
        elif rng.random() < 0.85:
            f, la = _ascii(first), _ascii(last)
            style = rng.random()
            local = f"{f}.{la}" if style < 0.5 else f"{f[0]}{la}" if style < 0.7 else f"{f}{la}"
            if rng.random() < 0.3:
                local += str(rng.randint(1, 99))
            if company is not None and rng.random() < 0.6:
                out.append(f"{f}.{la}@{company.domain}")
            out.append(f"{local}@{country.mail_tld}.{rng.choice(pools.PRIVATE_MAIL_DOMAINS)}")
        for position, address in enumerate(out):
            label = ("work" if company else "") if position == 0 and len(out) > 1 else ""
            b.emails.append(
                (next(self.ids), contact_id, label, address, address.casefold(), position)
            )
        return out

    def address(self, b: _Batch, contact_id: str, country: pools.Country, is_company: bool) -> None:
        rng = self.rng
        city, pattern = rng.choice(country.cities)
        postcode = "".join(
            str(rng.randrange(10))
            if c == "#"
            else rng.choice(pools.POSTCODE_LETTERS)
            if c == "@"
            else c
            for c in pattern
        )
        street = rng.choice(country.streets)
        number = rng.randint(1, 120)
        line = f"{number} {street}" if country.code == "GB" else f"{street} {number}"
        if not is_company and country.code == "FI" and rng.random() < 0.4:
            line += f" {rng.choice('ABC')} {rng.randint(1, 40)}"
        b.addresses.append(
            (
                next(self.ids),
                contact_id,
                "office" if is_company else "home",
                line,
                postcode,
                city,
                "",
                country.code,
                0,
            )
        )

    def history(
        self, b: _Batch, contact_id: str, stage: str, created: float, purchases: list[float]
    ) -> float:
        """Stage changes from lead to the current stage; returns the last change time."""
        steps: list[tuple[str, float]] = [("lead", created)]
        if stage == "prospect" or (purchases and self.rng.random() < 0.4):
            end = purchases[0] if purchases else self.now
            steps.append(("prospect", self.between(created, min(end, created + 60 * DAY))))
        if purchases:
            steps.append(("customer", purchases[0]))
            if len(purchases) > 1:
                steps.append(("repeat_customer", purchases[1]))
            if stage in ("at_risk", "lapsed"):
                steps.append(("at_risk", purchases[-1] + self.between(150, 180) * DAY))
            if stage == "lapsed":
                steps.append(("lapsed", purchases[-1] + self.between(330, 365) * DAY))
        previous = None
        for to_stage, when in steps:
            b.history.append(
                (next(self.ids), contact_id, previous, to_stage, self.past(when), self.actor)
            )
            previous = to_stage
        return steps[-1][1]

    def activity(
        self,
        b: _Batch,
        contact_id: str,
        kind: str,
        when: float,
        deal_id: str | None,
        texts: list[tuple[float, str]],
        *,
        body: str | None = None,
        amount: int | None = None,
        status: str | None = None,
        resolution: str = "",
        resolved: float | None = None,
        activity_id: str | None = None,
    ) -> str:
        rng = self.rng
        if body is None:
            body = rng.choice(
                pools.CALL_NOTES
                if kind == "call"
                else pools.EMAIL_NOTES
                if kind == "email"
                else pools.NOTE_TEXTS
                if kind == "note"
                else pools.MEETING_NOTES
            )
        activity_id = activity_id or next(self.ids)
        at = self.past(when)
        b.activities.append(
            (
                activity_id,
                contact_id,
                kind,
                at,
                body,
                self.actor,
                deal_id,
                amount,
                self.currency if amount is not None else None,
                status,
                resolution,
                self.past(resolved) if resolved is not None else None,
                at,
                self.past(resolved) if resolved is not None else at,
                None,
            )
        )
        b.counts.activities += 1
        if body:
            texts.append((when, body))
        return activity_id

    def purchase(
        self,
        b: _Batch,
        contact_id: str,
        when: float,
        terms_days: int,
        is_company: bool,
        texts: list[tuple[float, str]],
    ) -> None:
        """A purchase with order lines, usually paid, sometimes complained about."""
        rng, now = self.rng, self.now
        activity_id = next(self.ids)
        total = 0
        names = []
        for position in range(rng.choice((1, 1, 1, 2, 2, 3)) + is_company):
            product_id, product, price = rng.choice(self.products)
            quantity = rng.choice((1, 1, 1, 2, 4)) * (rng.choice((1, 2, 5)) if is_company else 1)
            line_total = price * quantity
            b.lines.append(
                (
                    next(self.ids),
                    activity_id,
                    product_id,
                    product,
                    str(quantity),
                    price,
                    line_total,
                    position,
                )
            )
            total += line_total
            names.append(product)
        self.activity(
            b, contact_id, "purchase", when, None, texts,
            body=", ".join(names), amount=total, activity_id=activity_id,
        )  # fmt: skip
        # Paid at the till, or on the invoice within the terms; recent invoices
        # and a few old ones are still open.
        due = when + terms_days * DAY
        if terms_days == 0 and rng.random() < 0.7:
            paid_at: float | None = when
        elif due + DAY < now and rng.random() < 0.93:
            paid_at = self.between(when + DAY, min(now, due + 10 * DAY))
        elif rng.random() < 0.4:
            paid_at = self.between(when, now)
        else:
            paid_at = None
        if paid_at is not None:
            self.activity(
                b, contact_id, "payment", paid_at, None, texts,
                body=rng.choice(pools.PAYMENT_TEXTS), amount=total,
            )  # fmt: skip
        if rng.random() < 0.04 and when + DAY < now:
            body, fix = rng.choice(pools.COMPLAINTS)
            at = self.between(when + DAY, min(now, when + 20 * DAY))
            roll = rng.random()
            if (now - at > 30 * DAY and roll < 0.9) or roll < 0.5:
                resolved = self.between(at, min(now, at + 14 * DAY))
                self.activity(
                    b, contact_id, "complaint", at, None, texts,
                    body=body, status="resolved", resolution=fix, resolved=resolved,
                )  # fmt: skip
            else:
                status = "open" if roll < 0.75 else "in_progress"
                self.activity(b, contact_id, "complaint", at, None, texts, body=body, status=status)

    def deal(
        self,
        b: _Batch,
        contact_id: str,
        created: float,
        is_company: bool,
        texts: list[tuple[float, str]],
    ) -> str | None:
        """Sometimes a deal; returns its id when it is still open."""
        rng, now = self.rng, self.now
        if rng.random() >= (0.25 if is_company else 0.04):
            return None
        stage = DEAL_STAGES[self.pick(self.cum_deals)][0]
        opened = self.between(created, now - DAY)
        value = rng.randint(20, 800) * 5000 if is_company else rng.randint(2, 60) * 1000
        reason = ""
        closed = None
        if stage in ("won", "lost"):
            closed = min(now, self.between(opened + 3 * DAY, opened + 90 * DAY))
            close_day = closed
            reason = rng.choice(pools.WON_REASONS if stage == "won" else pools.LOST_REASONS)
        else:
            close_day = now + self.between(-10, 120) * DAY
        deal_id = next(self.ids)
        b.deals.append(
            (
                deal_id,
                contact_id,
                rng.choice(pools.DEAL_TITLES),
                stage,
                value,
                self.currency,
                datetime.fromtimestamp(close_day, UTC).date().isoformat(),
                self.actor,
                reason,
                self.past(closed) if closed is not None else None,
                self.past(opened),
                self.past(closed if closed is not None else opened),
                None,
            )
        )
        b.counts.deals += 1
        kind = "meeting" if is_company else "call"
        self.activity(b, contact_id, kind, opened, deal_id, texts)
        return None if closed is not None else deal_id

    def followup(
        self, b: _Batch, contact_id: str, created: float, stage: str, deal_id: str | None
    ) -> None:
        """An open follow-up (overdue, due today or upcoming), now and then a done one."""
        rng, now = self.rng, self.now
        roll = rng.random()
        if roll < 0.3:
            due = now - self.between(3600, 21 * DAY)
        elif roll < 0.45:
            due = self.between(now + 60, max(now + 60, self.day_end - 60))
        else:
            due = now + self.between(1, 45) * DAY
        if stage in ("lead", "prospect"):
            what = rng.choice(("Call back about the quote", "Send the catalogue"))
        elif stage in ("at_risk", "lapsed"):
            what = rng.choice(("Win-back call", "Send the seasonal offer"))
        else:
            what = rng.choice(pools.FOLLOWUP_TEXTS)
        priority = rng.choice(("low", "normal", "normal", "normal", "high"))
        recurrence = "yearly" if what == "Remind about tyre change" else "none"
        if deal_id is not None and rng.random() < 0.6:
            what = "Next step on the deal"
        else:
            deal_id = None
        made = max(created, min(due, now) - self.between(1, 30) * DAY)
        b.followups.append(
            (
                next(self.ids),
                contact_id,
                deal_id,
                self.actor,
                stamp(due),
                what,
                priority,
                recurrence,
                None,
                self.past(made),
                self.past(made),
                None,
            )
        )
        b.counts.followups += 1
        if rng.random() < 0.25 and made - created > 2 * DAY:
            old_due = self.between(created, made)
            done = min(now, old_due + rng.random() * 2 * DAY)
            b.followups.append(
                (
                    next(self.ids),
                    contact_id,
                    None,
                    self.actor,
                    self.past(old_due),
                    rng.choice(pools.FOLLOWUP_TEXTS),
                    "normal",
                    "none",
                    self.past(done),
                    self.past(max(created, old_due - DAY)),
                    self.past(done),
                    None,
                )
            )
            b.counts.followups += 1


def _cumulative(weights: list[float] | list[int]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


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


STATEMENTS = {
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
    "deals": "INSERT INTO deals (id, contact_id, title, stage, value_minor, currency,"
    " expected_close, owner_id, reason, closed_at, created_at, updated_at, deleted_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "activities": "INSERT INTO activities (id, contact_id, kind, occurred_at, text, user_id,"
    " deal_id, amount_minor, currency, status, resolution, resolved_at, created_at,"
    " updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "lines": "INSERT INTO order_lines (id, activity_id, product_id, description, quantity,"
    " unit_price_minor, line_total_minor, position) VALUES (?,?,?,?,?,?,?,?)",
    "followups": "INSERT INTO followups (id, contact_id, deal_id, owner_id, due_at, text,"
    " priority, recurrence, done_at, created_at, updated_at, deleted_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "fts": "INSERT INTO contact_fts (rowid, name, company, emails, phones, notes, activity)"
    " VALUES (?,?,?,?,?,?,?)",
}


def _write(dbapi: Any, batch: _Batch) -> None:
    """Insert one batch (parents before children, for the foreign keys)."""
    for table, sql in STATEMENTS.items():
        rows = getattr(batch, table)
        if rows:
            dbapi.executemany(sql, rows)
