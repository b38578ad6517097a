"""Smart lists on a real database: every field and operator picks the right contacts,
relative dates stay live, typed values are inert, visibility holds, and the
saved lists and their actions (export, follow-ups) are audited."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.domain.smart_query import parse_query
from crmdesk.errors import BulkRefused, ListNameTaken, PermissionDenied, QueryInvalid, UnknownList
from crmdesk.services.app import Crm
from crmdesk.services.audit_trail import AuditFilter
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import AddressInput, ContactPatch, LineInput

NOW = utcnow()
PASSPHRASE = "correct horse battery"


def _days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def shop(crm: Crm) -> Crm:
    """A shop to change in a test."""
    return _fill(crm)


@pytest.fixture(scope="module")
def still_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crm]:
    """One shop for the tests that only read (building it is most of their time)."""
    path = tmp_path_factory.mktemp("still") / "crm.db"
    crm = Crm.create(path, PASSPHRASE, region="FI", currency="EUR")
    try:
        yield _fill(crm)
    finally:
        crm.close()


def _fill(crm: Crm) -> Crm:
    """Five people and a company whose differences each condition can tell apart."""
    add = crm.contacts.create
    anna = add(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Aho",
            company="Aho Oy",
            stage="customer",
            source="web",
            tags=["vip"],
            addresses=[AddressInput(city="Helsinki", country="FI")],
            birthday=date(1980, 5, 1),
            consent_marketing=True,
        ),
    )
    ben = add(
        "person",
        ContactPatch(
            first_name="Ben",
            last_name="Berg",
            stage="repeat_customer",
            source="fair 2026",
            tags=["vip", "wholesale"],
            addresses=[AddressInput(city="Tampere", country="FI")],
        ),
    )
    cai = add(
        "person",
        ContactPatch(first_name="Cai", last_name="Chen", stage="lead", source="web"),
    )
    dora = add(
        "person",
        ContactPatch(
            first_name="Dora",
            last_name="Dahl",
            stage="at_risk",
            addresses=[AddressInput(city="Stockholm", country="SE")],
            birthday=date(1995, 12, 24),
        ),
    )
    evil = add("person", ContactPatch(first_name="100%_sure'", last_name="x OR 1=1 --"))
    log = crm.activities.log
    log(anna, "call", "hello", at=_days_ago(3))
    log(ben, "call", "hello", at=_days_ago(200))
    log(dora, "complaint", "broken", at=_days_ago(10))
    crm.activities.purchase(anna, [LineInput("Coffee beans", "2", "12.50")], at=_days_ago(20))
    crm.activities.purchase(ben, [LineInput("Espresso machine", "1", "600")], at=_days_ago(120))
    crm.activities.purchase(ben, [LineInput("Coffee beans", "1", "12.50")], at=_days_ago(400))
    crm.deals.create(cai, "First order", "300", stage="proposal")
    won = crm.deals.create(anna, "Office coffee", "1500", stage="negotiation")
    crm.deals.move(won, "won", "price")
    crm.ids = {"anna": anna, "ben": ben, "cai": cai, "dora": dora, "evil": evil}  # type: ignore[attr-defined]
    return crm


def names(crm: Crm, *conditions: str, match: str = "all") -> set[str]:
    query = parse_query(list(conditions), match)
    rows = crm.smart_lists.page(query)
    assert crm.smart_lists.count(query) == len(rows)
    return {row.display_name.split()[0] for row in rows}


EVERYONE = {"Anna", "Ben", "Cai", "Dora", "100%_sure'", "Aho"}  # Aho: the company Aho Oy


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("name is anna aho", {"Anna"}),
        ("name contains AH", {"Anna", "Dora", "Aho"}),
        ("name is not Anna Aho", EVERYONE - {"Anna"}),
        ("name is one of Ben Berg, Cai Chen", {"Ben", "Cai"}),
        ("company is aho oy", {"Anna"}),
        ("company is empty", EVERYONE - {"Anna"}),
        ("stage is customer", {"Anna"}),
        ("stage is one of lead, at risk", {"Cai", "Dora", "100%_sure'", "Aho"}),
        ("stage is not lead", {"Anna", "Ben", "Dora"}),
        ("source is web", {"Anna", "Cai"}),
        ("source contains fair", {"Ben"}),
        ("source is empty", {"Dora", "100%_sure'", "Aho"}),
        ("tag is vip", {"Anna", "Ben"}),
        ("tag is not vip", EVERYONE - {"Anna", "Ben"}),
        ("tag is one of wholesale, other", {"Ben"}),
        ("tag is empty", EVERYONE - {"Anna", "Ben"}),
        ("city is helsinki", {"Anna"}),
        ("country is FI", {"Anna", "Ben"}),
        ("country is not empty", {"Anna", "Ben", "Dora"}),
        ("created in the last 1 days", EVERYONE),
        ("created more than 1 day ago", set()),
        (f"created after {(NOW - timedelta(days=2)).date()}", EVERYONE),
        (f"created before {(NOW - timedelta(days=2)).date()}", set()),
        ("birthday before 1990-01-01", {"Anna"}),
        ("birthday between 1990-01-01 and 1999-12-31", {"Dora"}),
        ("birthday is empty", EVERYONE - {"Anna", "Dora"}),
        ("consent is yes", {"Anna"}),
        ("consent is no", EVERYONE - {"Anna"}),
        ("last activity in the last 2 weeks", {"Anna", "Dora"}),
        ("last activity is empty", {"Cai", "100%_sure'", "Aho"}),
        ("last call more than 3 months ago", {"Ben"}),
        ("last call in the last 7 days", {"Anna"}),
        ("last call is empty", EVERYONE - {"Anna", "Ben"}),
        ("last complaint in the last 1 month", {"Dora"}),
        ("last purchase more than 90 days ago", {"Ben"}),
        ("last purchase in the last 30 days", {"Anna"}),
        (f"last purchase before {(NOW - timedelta(days=100)).date()}", {"Ben"}),
        (f"last purchase after {(NOW - timedelta(days=100)).date()}", {"Anna"}),
        (
            f"last purchase between {(NOW - timedelta(days=130)).date()} and "
            f"{(NOW - timedelta(days=110)).date()}",
            {"Ben"},
        ),
        (
            f"last purchase between {(NOW - timedelta(days=410)).date()} and "
            f"{(NOW - timedelta(days=390)).date()}",
            set(),  # Ben bought then, and again later: his last purchase is not in it
        ),
        ("bought coffee beans", {"Anna", "Ben"}),
        ("bought contains espresso", {"Ben"}),
        ("bought is not espresso machine", EVERYONE - {"Ben"}),
        ("bought is one of tea, espresso machine", {"Ben"}),
        ("total purchases > 100", {"Ben"}),
        ("total purchases < 100", EVERYONE - {"Ben"}),
        ("total purchases = 25", {"Anna"}),
        ("total purchases between 0 and 25", EVERYONE - {"Ben"}),
        ("open deal is yes", {"Cai"}),
        ("open deal is no", EVERYONE - {"Cai"}),
        ("deal stage is won", {"Anna"}),
        ("deal stage is one of proposal, won", {"Anna", "Cai"}),
        ("deal value > 1000", {"Anna"}),
        ("deal value between 100 and 500", {"Cai"}),
        ("owner is owner", set()),  # the shop's owner has another user name
        ("owner is empty", set()),
    ],
)
def test_each_field_and_operator_matches_the_right_contacts(
    still_shop: Crm, condition: str, expected: set[str]
) -> None:
    assert names(still_shop, condition) == expected


def test_all_and_any_combine_conditions(shop: Crm) -> None:
    assert names(shop, "tag is vip", "last call in the last 30 days") == {"Anna"}
    assert names(shop, "stage is lead", "stage is at risk", match="any") == EVERYONE - {
        "Anna",
        "Ben",
    }
    assert names(shop) == EVERYONE  # no conditions: everyone
    assert names(shop, match="any") == EVERYONE


def test_owner_matches_user_names(shop: Crm) -> None:
    owner = shop.users.current()
    assert owner is not None
    assert names(shop, f"owner is {owner.username.upper()}") == EVERYONE


def test_relative_dates_are_resolved_when_the_list_runs(shop: Crm) -> None:
    query = parse_query(["last call in the last 5 days"])
    saved = shop.smart_lists.create("Called this week", query)
    assert [r.display_name for r in shop.smart_lists.page(saved.query)] == ["Anna Aho"]
    # Ben is called now: the saved list, re-read, finds him without being edited.
    shop.activities.log(shop.ids["ben"], "call", "again")  # type: ignore[attr-defined]
    again = shop.smart_lists.get("called this week")
    assert again.query.to_json() == query.to_json()  # stored as "last 5 days", not a date
    assert {r.display_name for r in shop.smart_lists.page(again.query)} == {"Anna Aho", "Ben Berg"}


def test_typed_values_are_inert(shop: Crm) -> None:
    for hostile in ("x' OR '1'='1", "%", "_", "'; DROP TABLE contacts; --", '" OR 1=1 --'):
        assert names(shop, f"name contains {hostile}") == (
            {"100%_sure'"} if hostile in ("%", "_") else set()
        )
        assert names(shop, f"tag is {hostile}") == set()
        assert names(shop, f"bought contains {hostile}") == set()
    assert names(shop, "name contains 100%_sure'") == {"100%_sure'"}
    assert names(shop, "name contains x or 1=1 --") == {"100%_sure'"}
    assert shop.queries.count() == 6  # nothing was dropped


def test_a_smart_list_pages_by_keyset_and_combines_with_the_pane_filters(shop: Crm) -> None:
    query = parse_query(["last activity is not empty"])
    first = shop.smart_lists.page(query, limit=2)
    rest = shop.smart_lists.page(query, after=(first[-1].sort_key, first[-1].num), limit=2)
    assert [r.display_name for r in first + rest] == ["Anna Aho", "Ben Berg", "Dora Dahl"]
    flt = ContactFilter(stage="customer", smart=query)
    assert [r.display_name for r in shop.queries.page(flt)] == ["Anna Aho"]
    assert shop.queries.page_keys(ContactFilter(smart=query), 2) == [
        (first[1].sort_key, first[1].num)
    ]
    assert [r.display_name for r in shop.search.search("berg", flt=flt)] == []
    hits = shop.search.search("berg", flt=ContactFilter(smart=query))
    assert [r.display_name for r in hits] == ["Ben Berg"]


def test_a_salesperson_sees_only_their_own_contacts_on_a_list(shop: Crm) -> None:
    shop.users.add("sam", "Sam", "salesperson")
    shop.users.set_policy(own_records_only=True)
    with shop.db.writing() as session:
        session.execute(text("UPDATE contacts SET owner_id = NULL WHERE id = :i"),
                        {"i": shop.ids["cai"]})  # type: ignore[attr-defined]  # fmt: skip
    query = parse_query(["last activity is empty"])
    assert names(shop, "last activity is empty") == {"Cai", "100%_sure'", "Aho"}
    shop.users.sign_in("sam")
    assert names(shop, "last activity is empty") == {"Cai"}  # the unowned lead, not the owner's
    assert shop.smart_lists.contact_ids(query) == [shop.ids["cai"]]  # type: ignore[attr-defined]


def test_lists_are_saved_renamed_edited_and_deleted_with_audit(shop: Crm) -> None:
    vip = shop.smart_lists.create("  VIP   customers ", parse_query(["tag is vip"]))
    assert vip.name == "VIP customers"
    with pytest.raises(ListNameTaken):
        shop.smart_lists.create("vip CUSTOMERS", parse_query(["stage is lead"]))
    shop.smart_lists.create("Leads", parse_query(["stage is lead"]))
    assert [s.name for s in shop.smart_lists.all()] == ["Leads", "VIP customers"]
    with pytest.raises(ListNameTaken):
        shop.smart_lists.rename("Leads", "vip customers")
    shop.smart_lists.rename(vip.id, "Best customers")
    edited = shop.smart_lists.edit("best customers", parse_query(["tag is wholesale"]))
    assert edited.description == "tag is wholesale"
    shop.smart_lists.delete("Leads")
    with pytest.raises(UnknownList):
        shop.smart_lists.get("Leads")
    assert [s.name for s in shop.smart_lists.all()] == ["Best customers"]
    entries = shop.audit.rows(shop.audit.seqs(AuditFilter(entity="saved_list")))
    assert [e.action for e in reversed(entries)] == [
        "create",
        "create",
        "update",
        "update",
        "delete",
    ]
    assert shop.verify_audit().ok


def test_a_damaged_saved_query_is_named(shop: Crm) -> None:
    shop.smart_lists.create("Broken", parse_query(["tag is vip"]))
    with shop.db.writing() as session:
        session.execute(text("UPDATE saved_lists SET query = '{\"version\": 99}'"))
    with pytest.raises(QueryInvalid, match="of version 99"):
        shop.smart_lists.get("Broken")


def test_export_writes_only_the_lists_contacts_and_is_audited(shop: Crm, tmp_path: Path) -> None:
    shop.smart_lists.create("VIP", parse_query(["tag is vip"]))
    out = tmp_path / "vip.csv"
    result = shop.smart_lists.export("VIP", out)
    assert result.rows == 2
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["display_name"] for r in rows) == ["Anna Aho", "Ben Berg"]
    entry = shop.audit.rows(shop.audit.seqs(AuditFilter(action="export")))[0]
    assert entry.summary == "2 contacts of list 'VIP' to vip.csv"
    assert entry.changes["selection"] == "list 'VIP'"


def test_followups_for_a_list_are_made_in_one_transaction(shop: Crm) -> None:
    due = datetime(2030, 1, 7, 9, tzinfo=UTC)
    query = parse_query(["tag is vip"])
    made = shop.smart_lists.make_followups(query, "Offer the spring range", due, "list VIP")
    assert made == 2
    open_ = shop.followups.list("all")
    assert sorted(f.contact_name for f in open_) == ["Anna Aho", "Ben Berg"]
    assert {f.text for f in open_} == {"Offer the spring range"}
    assert {f.due_at for f in open_} == {due}
    shop.users.set_policy(bulk_rows=1)
    with pytest.raises(BulkRefused, match="over the bulk limit of 1"):
        shop.smart_lists.make_followups(query, "Again", due)
    assert len(shop.followups.list("all")) == 2  # nothing half-made


def test_a_role_that_may_not_edit_cannot_save_lists(shop: Crm) -> None:
    shop.users.add("acc", "Accountant", "accountant")
    shop.users.sign_in("acc")
    with pytest.raises(PermissionDenied):
        shop.smart_lists.create("Mine", parse_query(["tag is vip"]))
    assert names(shop, "tag is vip") == {"Anna", "Ben"}  # reading is fine


def test_the_v6_fixture_migrates_and_takes_lists(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    fixtures = Path(__file__).parent.parent / "fixtures"
    shutil.copy(fixtures / "schema_v6.db", path)
    crm = Crm.open(path, "fixture-passphrase", region="FI")
    try:
        saved = crm.smart_lists.create("Loyal", parse_query(["tag is loyal"]))
        assert [r.display_name for r in crm.smart_lists.page(saved.query)] == ["Aarne Äijälä"]
    finally:
        crm.close()
