"""The sales report on generated purchases: planted growth is found, flat data is not."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import uuid7_strings
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.services.periods import Period
from crmdesk.store.types import format_utc

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2026, 12, 31)
PRODUCTS = ("Widget A", "Widget B", "Gadget", "Gizmo", "Sprocket", "Flange", "Bolt", "Nut")


def plant_sales(
    crm: Crm,
    *,
    growing: str | None = None,
    seed: int = 7,
    per_product: int = 200,
    customers: int = 12,
    currency: str = "EUR",
) -> dict[str, str]:
    """Purchases over 2025 and 2026, one product line each, at the same rate per product
    in both years, except ``growing``, bought twice as often in 2026. Returns product ids."""
    rng = random.Random(seed)
    ids = uuid7_strings()
    contacts = [
        crm.contacts.create("person", ContactPatch(first_name=f"Cust{n}", last_name="Omer"))
        for n in range(customers)
    ]
    now = format_utc(datetime(2026, 12, 31, tzinfo=UTC))
    products = {name: next(ids) for name in PRODUCTS}
    activities, lines = [], []
    for name, product_id in products.items():
        price = 1000 + 500 * PRODUCTS.index(name)
        for year in (2025, 2026):
            count = per_product * (2 if name == growing and year == 2026 else 1)
            for _ in range(count):
                when = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=rng.random() * 364)
                quantity = rng.choice((1, 1, 2, 3))
                activity_id = next(ids)
                at = format_utc(when)
                activities.append(
                    (activity_id, rng.choice(contacts), at, price * quantity, currency, at, at)
                )
                lines.append((next(ids), activity_id, product_id, name, str(quantity), price))
    with crm.db.writing() as session:
        session.execute(
            text(
                "INSERT INTO products (id, name, currency, created_at, updated_at) "
                "VALUES (:id, :name, :currency, :now, :now)"
            ),
            [{"id": i, "name": n, "currency": currency, "now": now} for n, i in products.items()],
        )
        session.execute(
            text(
                "INSERT INTO activities (id, contact_id, kind, occurred_at, amount_minor, "
                "currency, created_at, updated_at) VALUES (:id, :contact, 'purchase', :at, "
                ":amount, :currency, :c, :u)"
            ),
            [
                dict(zip(("id", "contact", "at", "amount", "currency", "c", "u"), row, strict=True))
                for row in activities
            ],
        )
        session.execute(
            text(
                "INSERT INTO order_lines (id, activity_id, product_id, description, quantity, "
                "unit_price_minor, line_total_minor) VALUES (:id, :a, :p, :d, :q, :price, "
                ":price * :q)"
            ),
            [dict(zip(("id", "a", "p", "d", "q", "price"), row, strict=True)) for row in lines],
        )
    return products


def test_a_product_bought_twice_as_often_is_the_top_grower(crm: Crm) -> None:
    plant_sales(crm, growing="Gizmo")

    result = crm.reports.run("sales", YEAR, by="product", today=TODAY)

    main = result.tables[0]
    assert main.columns[0] == "product" and main.columns[-1] == "change %"
    gizmo = next(row for row in main.rows if row[0] == "Gizmo")
    assert 70 <= gizmo[-1] <= 130  # doubled, give or take the random quantities
    assert "Gizmo grew most (+" in " ".join(result.findings)
    assert not any("fell most" in f for f in result.findings)
    # one product of eight doubled: the whole grows by about an eighth
    assert any(f.startswith("Sales were") and ", up 1" in f for f in result.findings)
    assert result.chart is not None and result.chart.kind == "stacked_bar"
    assert len(result.chart.categories) == 12
    per_month = result.tables[1]
    assert per_month.columns[0] == "period" and len(per_month.rows) == 12


def test_flat_sales_say_no_big_change(crm: Crm) -> None:
    plant_sales(crm, growing=None)

    by_product = crm.reports.run("sales", YEAR, by="product", today=TODAY)
    total = crm.reports.run("sales", YEAR, today=TODAY)

    assert "No product clearly grew or fell against the previous 12 months." in by_product.findings
    assert "about the same as the previous 12 months" in total.findings[0]
    assert not any("grew most" in f or "fell most" in f for f in by_product.findings)


def test_total_view_sets_each_month_beside_the_same_month_before(crm: Crm) -> None:
    plant_sales(crm, growing="Widget A", per_product=40)

    result = crm.reports.run("sales", YEAR, today=TODAY)

    table = result.tables[0]
    assert table.columns == ("period", "sales EUR", "purchases", "previous", "then EUR", "change %")
    assert [row[0] for row in table.rows[:2]] == ["2026-01", "2026-02"]
    assert [row[3] for row in table.rows[:2]] == ["2025-01", "2025-02"]
    assert sum(row[2] for row in table.rows) == 40 * 9  # eight products, one doubled
    assert result.chart is not None and [s.name for s in result.chart.series] == [
        "this period",
        "previous period",
    ]


def test_weeks_customers_and_salespeople(crm: Crm) -> None:
    plant_sales(crm, per_product=20, customers=15)

    weekly = crm.reports.run("sales", YEAR, every="week", today=TODAY)
    customers = crm.reports.run("sales", YEAR, by="customer", today=TODAY)
    people = crm.reports.run("sales", YEAR, by="salesperson", today=TODAY)

    assert weekly.tables[0].rows[0][0] == "2026-W01"
    names = [row[0] for row in customers.tables[0].rows]
    assert len(names) == 11 and names[-1] == "others"  # top 10 and the rest
    assert all(name.startswith("Cust") for name in names[:10])
    shares = sum(row[2] for row in customers.tables[0].rows)
    assert shares == pytest.approx(100, abs=0.2)
    assert [row[0] for row in people.tables[0].rows] == ["(not recorded)"]


def test_other_currencies_are_left_out_and_said_so(crm: Crm) -> None:
    plant_sales(crm, per_product=10)
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Dollar"))
    with crm.db.writing() as session:
        session.execute(
            text(
                "INSERT INTO activities (id, contact_id, kind, occurred_at, amount_minor, "
                "currency, created_at, updated_at) VALUES (:id, :c, 'purchase', :at, 99999, "
                "'USD', :at, :at)"
            ),
            {"id": "usd-1", "c": anna, "at": "2026-03-03T10:00:00.000Z"},
        )

    result = crm.reports.run("sales", YEAR, today=TODAY)

    assert "1 purchase in USD is left out; amounts are in EUR." in result.findings
    assert sum(row[2] for row in result.tables[0].rows) == 80


def test_no_sales_at_all(crm: Crm) -> None:
    result = crm.reports.run("sales", YEAR, by="product", today=TODAY)
    assert result.findings == ("No sales.",)
    assert result.tables[0].rows == ()


def test_a_salesperson_who_sees_only_their_own_sees_only_their_sales(crm: Crm) -> None:
    plant_sales(crm, per_product=5, customers=3)
    crm.users.add("sam", "Sam Seller", role="salesperson")
    crm.users.set_policy(own_records_only=True)
    crm.users.sign_in("sam")
    mine = crm.contacts.create("person", ContactPatch(first_name="Sams", last_name="Own"))
    crm.activities.purchase(
        mine, [LineInput("Widget A", "2", "21.00")], at=datetime(2026, 5, 5, 12, tzinfo=UTC)
    )

    result = crm.reports.run("sales", YEAR, by="customer", today=TODAY)

    assert [row[0] for row in result.tables[0].rows] == ["Sams Own"]
    assert result.tables[0].rows[0][1] == 42.0


def test_deleted_purchases_do_not_count(crm: Crm) -> None:
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    at = datetime(2026, 2, 2, 12, tzinfo=UTC)
    crm.activities.purchase(anna, [LineInput("Widget", "1", "10")], at=at)
    gone = crm.activities.purchase(anna, [LineInput("Widget", "1", "5")], at=at)
    crm.activities.delete(gone)

    result = crm.reports.run("sales", YEAR, by="product", today=TODAY)

    assert [row[:2] for row in result.tables[0].rows] == [("Widget", 10.0)]
    assert result.findings[0].startswith("Sales were 10 EUR from 1 purchase;")
