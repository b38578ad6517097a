"""Demo data: the mix (stages, activity kinds, shares), the generator's state and
its random helpers, shared by the contact-details and timeline parts."""

from __future__ import annotations

import functools
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crmdesk.domain.names import sort_key
from crmdesk.services import demo_pools as pools
from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import Row, stamp, uuid7_strings

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
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@dataclass
class Counts:
    contacts: int = 0
    companies: int = 0
    activities: int = 0
    followups: int = 0
    deals: int = 0

    def add(self, other: Counts) -> None:
        for name, value in other.as_dict().items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Batch:
    """The rows of one batch, per table, ready for ``executemany``."""

    counts: Counts = field(default_factory=Counts)
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


@functools.lru_cache(maxsize=4096)
def ascii_key(text: str) -> str:
    """Lowercase letters and digits only: ``D'Alessandro`` -> ``dalessandro``."""
    return _NOT_ALNUM.sub("", sort_key(text))


@dataclass
class Company:
    id: str
    name: str
    domain: str


class DemoBase:
    """The generator's state: random source, ids, clock, catalogue and country mix."""

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
        self.companies: dict[str, list[Company]] = {c.code: [] for c in pools.COUNTRIES}
        home = [c for c in pools.COUNTRIES if c.code == self.region]
        others = [c for c in pools.COUNTRIES if c.code != self.region]
        if home:
            share = (1 - HOME_SHARE) / len(others)
            self.country_weights = [HOME_SHARE, *[share] * len(others)]
            self.countries = [home[0], *others]
        else:
            self.countries = others
            self.country_weights = [1.0] * len(others)
        self.cum_countries = cumulative(self.country_weights)
        self.cum_stages = cumulative([w for _, w, _ in STAGES])
        self.cum_kinds = cumulative([w for _, w in OTHER_KINDS])
        self.cum_deals = cumulative([w for _, w in DEAL_STAGES])

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


def cumulative(weights: list[float] | list[int]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out
