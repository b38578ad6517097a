"""Purchase histories written in bulk for the upsell tests, with or without a planted pair."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crmdesk.domain.ids import new_id
from crmdesk.services.app import Crm
from crmdesk.store.types import format_utc

PRODUCTS = (
    "Espresso beans",
    "Grinder",
    "Milk jug",
    "Tea sampler",
    "Cocoa",
    "Filter papers",
    "Kettle",
    "Mug set",
    "Syrup",
    "Descaler",
)


@dataclass
class Baskets:
    """What was written: product ids by name and each customer's set of product names."""

    product_ids: dict[str, str]
    bought: dict[str, set[str]]  # contact id -> product names


def write_baskets(
    crm: Crm,
    *,
    customers: int = 300,
    rate: float = 0.15,
    seed: int = 7,
    plant: tuple[str, str] | None = None,
    first_rate: float = 0.3,
    follow_rate: float = 0.8,
) -> Baskets:
    """``customers`` people, each buying each product with chance ``rate``; with
    ``plant=(A, B)``, A is bought with chance ``first_rate`` and its buyers buy B
    with chance ``follow_rate`` (others at ``rate``). One purchase per product."""
    rng = random.Random(seed)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    stamp = format_utc(now)
    product_ids = {name: new_id() for name in PRODUCTS}
    bought: dict[str, set[str]] = {}
    contacts, activities, lines = [], [], []
    for n in range(customers):
        contact_id = new_id()
        names = {p for p in PRODUCTS if rng.random() < rate}
        if plant is not None:
            first, then = plant
            names.discard(first)
            names.discard(then)
            if rng.random() < first_rate:
                names.add(first)
                if rng.random() < follow_rate:
                    names.add(then)
            elif rng.random() < rate:
                names.add(then)
        bought[contact_id] = names
        contacts.append((contact_id, f"Customer {n:04d}", f"customer {n:04d}", stamp, stamp))
        for day, name in enumerate(sorted(names)):
            activity_id = new_id()
            at = format_utc(now - timedelta(days=day * 9 + n % 5))
            activities.append((activity_id, contact_id, at, name, stamp, stamp))
            lines.append((new_id(), activity_id, product_ids[name], name))
    with crm.db.writing() as session:
        conn = session.connection().connection.dbapi_connection
        assert conn is not None
        conn.executemany(
            "INSERT INTO products (id, name, currency, unit_price_minor, created_at, updated_at)"
            " VALUES (?, ?, 'EUR', 1000, ?, ?)",
            [(pid, name, stamp, stamp) for name, pid in product_ids.items()],
        )
        conn.executemany(
            "INSERT INTO contacts (id, kind, display_name, sort_key, stage, created_at,"
            " updated_at) VALUES (?, 'person', ?, ?, 'customer', ?, ?)",
            contacts,
        )
        conn.executemany(
            "INSERT INTO activities (id, contact_id, kind, occurred_at, text, amount_minor,"
            " currency, created_at, updated_at) VALUES (?, ?, 'purchase', ?, ?, 1000, 'EUR', ?, ?)",
            activities,
        )
        conn.executemany(
            "INSERT INTO order_lines (id, activity_id, product_id, description, quantity,"
            " unit_price_minor, line_total_minor) VALUES (?, ?, ?, ?, '1', 1000, 1000)",
            lines,
        )
    return Baskets(product_ids, bought)
