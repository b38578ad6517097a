"""Upsell: "customers who bought X also bought Y", from purchase history.

A customer's *basket* is the set of products they have ever bought (live
purchases' order lines). For every ordered pair of products X → Y:

- *both*: customers who bought X and Y;
- *confidence*: both / customers who bought X, the chance a buyer of X buys Y;
- *lift*: confidence / the share of all customers who bought Y (1 = no link).

A rule is kept only when it clears every threshold (at least ``min_both``
customers with both, lift and confidence high enough) and the overlap is far
beyond chance: the hypergeometric tail of seeing ``both`` or more, Bonferroni
corrected over the pairs examined, is below ``alpha``. Random baskets then
yield no rules, even with many products.

Rules are computed once per *generation* of the purchases (their count and
latest change, read from an index) and kept, so the card and the screen pop
ask for offers without recomputing anything.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations, groupby
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.permissions import VIEW
from crmdesk.errors import NotFound
from crmdesk.services.context import Context
from crmdesk.services.permissions import require
from crmdesk.services.visibility import owner_scope


@dataclass(frozen=True)
class Thresholds:
    """What a pair must show before it is believed."""

    min_both: int = 5  # customers who bought both
    min_lift: float = 1.5
    min_confidence: float = 0.2
    alpha: float = 0.01  # chance of the overlap arising by luck, over all pairs


@dataclass(frozen=True)
class Rule:
    """Customers who bought ``if_name`` also bought ``then_name``, with the figures."""

    if_id: str
    if_name: str
    then_id: str
    then_name: str
    both: int
    if_count: int  # customers who bought the first product
    then_count: int  # customers who bought the second product
    customers: int  # customers with any purchase

    @property
    def confidence(self) -> float:
        """Share of the first product's buyers who also bought the second."""
        return self.both / self.if_count

    @property
    def support(self) -> float:
        """Share of all customers who bought both."""
        return self.both / self.customers

    @property
    def lift(self) -> float:
        """How many times the usual rate of buying the second product."""
        return self.confidence / (self.then_count / self.customers)

    def reason(self) -> str:
        """The rule in one plain sentence."""
        return (
            f"{self.confidence:.0%} of customers who bought {self.if_name} also bought "
            f"{self.then_name} ({self.lift:.1f}× the usual rate)"
        )

    def figures(self) -> str:
        """The counts behind the sentence (for a tooltip)."""
        return (
            f"{self.both} of {self.if_count} customers who bought {self.if_name} also bought "
            f"{self.then_name}; {self.then_count} of all {self.customers} customers bought "
            f"{self.then_name}. Confidence {self.confidence:.0%}, lift {self.lift:.1f}, "
            f"support {self.support:.1%}."
        )


@dataclass(frozen=True)
class Offer:
    """A product to offer one customer next, and why."""

    product_id: str
    product: str
    reason: str
    rule: Rule


@dataclass(frozen=True)
class RuleSet:
    """The rules of one generation of purchases, by the product they start from."""

    generation: tuple[Any, ...]
    rules: tuple[Rule, ...]
    customers: int

    def starting_from(self, products: Iterable[str]) -> Iterator[Rule]:
        """Rules whose first product is one of ``products``."""
        have = set(products)
        return (r for r in self.rules if r.if_id in have)


# Order lines are read in table order and their purchase looked up by id: both ids
# are time-ordered, so the pages come in sequence (an index on kind or product
# would send SQLite to random pages, ten times slower on an encrypted file).
_BASKETS = (
    "SELECT a.contact_id, l.product_id FROM order_lines l NOT INDEXED"
    " CROSS JOIN activities a ON a.id = l.activity_id"
    "{join} WHERE a.kind = 'purchase' AND a.deleted_at IS NULL"
    " AND l.product_id IS NOT NULL{where}"
    " GROUP BY a.contact_id, l.product_id ORDER BY a.contact_id, l.product_id"
)
_SCOPE_JOIN = " CROSS JOIN contacts c ON c.id = a.contact_id"
_SCOPE_WHERE = " AND (c.owner_id = :scope OR c.owner_id IS NULL)"
# The purchases' count and last change from their own small index (any purchase
# added, edited, deleted, restored or purged changes one of them), and the
# products' (a renamed product changes the reasons).
_GENERATION = (
    "SELECT count(*), max(updated_at) FROM activities"
    " INDEXED BY ix_activities_purchases_updated WHERE kind = 'purchase'",
    "SELECT count(*), max(updated_at) FROM products",
)


class UpsellService:
    """Association rules over purchases, and what to offer a customer next."""

    def __init__(self, ctx: Context, thresholds: Thresholds | None = None) -> None:
        self.ctx = ctx
        self.thresholds = thresholds or Thresholds()
        self._cache: dict[str | None, RuleSet] = {}
        self._lock = threading.Lock()

    def rules(self) -> RuleSet:
        """The rules of the purchases as they are now (computed once per generation)."""
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW)
            scope = owner_scope(session, self.ctx.actor_id)
            generation = _generation(session)
            with self._lock:
                cached = self._cache.get(scope)
                if cached is not None and cached.generation == generation:
                    return cached
                computed = _compute(session, scope, generation, self.thresholds)
                self._cache[scope] = computed
                return computed

    def suggest_for(self, contact_id: str, limit: int = 3) -> tuple[Offer, ...]:
        """Products this customer has not bought, best first, each with its reason."""
        rules = self.rules()
        with self.ctx.read() as session:
            scope = owner_scope(session, self.ctx.actor_id)
            found = session.execute(
                text("SELECT owner_id FROM contacts WHERE id = :c AND deleted_at IS NULL"),
                {"c": contact_id},
            ).one_or_none()
            if found is None or (scope and found[0] not in (scope, None)):
                raise NotFound(f"No contact with id {contact_id}.")
            if not rules.rules:
                return ()
            bought = set(
                session.execute(
                    text(
                        "SELECT DISTINCT l.product_id FROM activities a"
                        " JOIN order_lines l ON l.activity_id = a.id"
                        " WHERE a.contact_id = :c AND a.kind = 'purchase'"
                        " AND a.deleted_at IS NULL AND l.product_id IS NOT NULL"
                    ),
                    {"c": contact_id},
                ).scalars()
            )
        best: dict[str, Rule] = {}
        for rule in rules.starting_from(bought):
            if rule.then_id in bought:
                continue
            held = best.get(rule.then_id)
            if held is None or _rank(rule) > _rank(held):
                best[rule.then_id] = rule
        ranked = sorted(best.values(), key=_rank, reverse=True)[:limit]
        return tuple(Offer(r.then_id, r.then_name, r.reason(), r) for r in ranked)


def _rank(rule: Rule) -> tuple[float, float, int]:
    """Most likely to be bought first; the stronger link, then more evidence, breaks ties."""
    return (rule.confidence, rule.lift, rule.both)


def _generation(session: Session) -> tuple[Any, ...]:
    return tuple(v for sql in _GENERATION for v in session.execute(text(sql)).one())


def _compute(
    session: Session, scope: str | None, generation: tuple[Any, ...], limits: Thresholds
) -> RuleSet:
    sql = _BASKETS.format(join=_SCOPE_JOIN if scope else "", where=_SCOPE_WHERE if scope else "")
    # The DB-API cursor itself: hundreds of thousands of rows, no per-row wrapping.
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    rows = raw.execute(sql, {"scope": scope} if scope else {})
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    customers = 0
    for _contact, group in groupby(rows, key=lambda row: row[0]):
        basket = sorted(row[1] for row in group)
        customers += 1
        singles.update(basket)
        pairs.update(combinations(basket, 2))
    names = {pid: name for pid, name in session.execute(text("SELECT id, name FROM products"))}
    candidates = [(x, y, n) for (x, y), n in pairs.items() if n >= limits.min_both]
    # Every pair of products bought is a hypothesis; each is tested once, for both directions.
    cutoff = limits.alpha / max(1, len(singles) * (len(singles) - 1) // 2)
    rules: list[Rule] = []
    for x, y, both in candidates:
        lift = both * customers / (singles[x] * singles[y])  # the same in both directions
        if lift < limits.min_lift:
            continue
        if _chance_of_overlap(both, singles[x], singles[y], customers) >= cutoff:
            continue
        for first, second in ((x, y), (y, x)):
            rule = Rule(
                first,
                names.get(first, "?"),
                second,
                names.get(second, "?"),
                both,
                singles[first],
                singles[second],
                customers,
            )
            if rule.confidence >= limits.min_confidence:
                rules.append(rule)
    rules.sort(key=_rank, reverse=True)
    return RuleSet(generation, tuple(rules), customers)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _chance_of_overlap(both: int, with_x: int, with_y: int, customers: int) -> float:
    """P(at least ``both`` customers share X and Y) if buying them were unrelated
    (the hypergeometric upper tail: ``with_y`` buyers drawn from ``customers``)."""
    top = min(with_x, with_y)
    if both > top:
        return 0.0
    base = _log_comb(customers, with_y)
    total = 0.0
    for k in range(both, top + 1):
        if with_y - k > customers - with_x:
            continue
        term = math.exp(_log_comb(with_x, k) + _log_comb(customers - with_x, with_y - k) - base)
        total += term
        if term < total * 1e-12:  # terms only shrink beyond the mode
            break
    return min(1.0, total)
