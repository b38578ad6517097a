"""A schema-1 file (tests/fixtures/schema_v1.db) upgrades to the latest schema without loss.

The fixture is made once by ``tests/fixtures/make_schema_fixtures.py 1``: the
version-1 migration step only, data inserted by raw SQL in the v1 columns.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput, PhoneInput, TermsInput
from crmdesk.store import cipher, migrations
from crmdesk.store.database import APPLICATION_ID, Database

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_v1.db"
PASSPHRASE = "fixture-passphrase"
USER = "01940000-0000-7000-8000-000000000001"
COMPANY = "01940000-0000-7000-8000-000000000002"
PERSON = "01940000-0000-7000-8000-000000000003"
V2_CONTACT_COLUMNS = {
    "payment_terms_days",
    "credit_limit_minor",
    "terms_currency",
    "discount_bp",
    "price_list",
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _columns(db: Database, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}


def _schema(db: Database) -> list[tuple[str, str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    """A copy of the schema-1 fixture; the committed file itself is never opened."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    return path


def test_the_fixture_really_is_schema_1(v1_copy: Path) -> None:
    db = Database.open(v1_copy, PASSPHRASE, migrate=False)
    try:
        assert db.schema_version() == 1
        assert V2_CONTACT_COLUMNS.isdisjoint(_columns(db, "contacts"))
        with db.engine.connect() as conn:
            tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert "stage_history" not in tables
    finally:
        db.close()
    assert list(v1_copy.parent.glob("*.bak")) == []  # opening without migrating copies nothing


def test_schema_1_upgrades_without_loss(v1_copy: Path) -> None:
    fixture_before = _sha(FIXTURE)
    crm = Crm.open(v1_copy, PASSPHRASE, region="FI")
    try:
        assert crm.db.schema_version() == migrations.LATEST_VERSION
        card = crm.queries.card(PERSON)
        assert card.display_name == "Aarne Äijälä"
        assert card.company_name == "Vanha Oy"
        assert card.company_id == COMPANY
        assert card.notes == "Old customer since 1998"
        assert [(p.raw, p.e164, p.label) for p in card.phones] == [
            ("040 765 4321", "+358407654321", "mobile")
        ]
        assert [e.address for e in card.emails] == ["Aarne@Vanha.fi"]
        assert card.tags == ("loyal",)
        assert [(a.kind, a.text, a.amount_minor) for a in card.recent_activities] == [
            ("purchase", "Snow tyres", 40000)
        ]
        assert card.balances[0].owed_minor == 40000
        assert card.terms is None  # the new columns came in empty
        assert [f.text for f in card.open_followups] == ["Ask about summer tyres"]
        assert [m.id for m in crm.queries.card(COMPANY).members] == [PERSON]
        assert crm.queries.resolve("aarne@vanha.FI") == PERSON
        assert [s.id for s in crm.search.search("äijä")] == [PERSON]
        assert crm.screenpop.pop("+358 40 765 4321").card is not None
    finally:
        crm.close()
    assert _sha(FIXTURE) == fixture_before


def test_upgrade_adds_the_v2_columns_and_a_stage_history_row_per_contact(v1_copy: Path) -> None:
    db = Database.open(v1_copy, PASSPHRASE)
    try:
        assert _columns(db, "contacts") >= V2_CONTACT_COLUMNS
        assert {"id", "contact_id", "from_stage", "to_stage", "changed_at", "user_id"} == (
            _columns(db, "stage_history")
        )
        with db.reading() as session:
            contacts = session.execute(
                text("SELECT id, stage, created_at, owner_id FROM contacts ORDER BY id")
            ).all()
            history = session.execute(
                text(
                    "SELECT contact_id, from_stage, to_stage, changed_at, user_id, id"
                    " FROM stage_history ORDER BY contact_id"
                )
            ).all()
            terms = session.execute(
                text("SELECT discount_bp, price_list, credit_limit_minor FROM contacts")
            ).all()
        assert [c[0] for c in contacts] == [COMPANY, PERSON]
        assert [h[:5] for h in history] == [(c[0], None, c[1], c[2], c[3]) for c in contacts]
        assert len({h[5] for h in history}) == len(history)  # each row its own id
        assert all(len(h[5]) == 36 for h in history)
        assert terms == [(0, "", None)] * 2
        with db.engine.connect() as conn:
            indexes = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")
            }
        assert {"ix_activities_contact_kind_time", "ix_followups_contact_due"} <= indexes
        assert "ix_followups_contact" not in indexes  # dropped by step 3
    finally:
        db.close()


def test_upgraded_file_has_the_same_schema_as_a_new_one(v1_copy: Path, tmp_path: Path) -> None:
    upgraded = Database.open(v1_copy, PASSPHRASE)
    fresh = Database.create(tmp_path / "fresh.db", PASSPHRASE)
    try:
        assert _schema(upgraded) == _schema(fresh)
    finally:
        upgraded.close()
        fresh.close()


def test_a_copy_of_the_old_file_is_kept_beside_it(v1_copy: Path) -> None:
    original = _sha(v1_copy)
    Database.open(v1_copy, PASSPHRASE).close()
    backup = v1_copy.with_name("old.db.schema1.bak")
    assert backup.exists()
    assert _sha(v1_copy) != original
    old = Database.open(backup, PASSPHRASE, migrate=False)
    try:
        assert old.schema_version() == 1
        assert "stage_history" not in {t[1] for t in _schema(old)}
        with old.reading() as session:
            names = session.execute(text("SELECT display_name FROM contacts ORDER BY num"))
            assert names.scalars().all() == ["Vanha Oy", "Aarne Äijälä"]
    finally:
        old.close()
    # Opening the upgraded file again migrates nothing and copies nothing more.
    Database.open(v1_copy, PASSPHRASE).close()
    assert sorted(p.name for p in v1_copy.parent.glob("*.bak")) == ["old.db.schema1.bak"]


def test_an_earlier_backup_is_not_overwritten(v1_copy: Path) -> None:
    earlier = v1_copy.with_name("old.db.schema1.bak")
    earlier.write_bytes(b"an earlier backup")
    Database.open(v1_copy, PASSPHRASE).close()
    assert earlier.read_bytes() == b"an earlier backup"
    assert v1_copy.with_name("old.db.schema1.2.bak").exists()


def test_new_writes_work_after_the_upgrade(v1_copy: Path) -> None:
    crm = Crm.open(v1_copy, PASSPHRASE, region="FI", currency="EUR")
    try:
        crm.contacts.update(
            PERSON,
            ContactPatch(
                add_phones=[PhoneInput("09 123 4567", "work")],
                stage="repeat",
                terms=TermsInput(payment_terms_days=14, credit_limit="1 000,00"),
            ),
        )
        crm.activities.purchase(PERSON, [LineInput("Summer tyre", "4", "95,00")])
        crm.activities.payment(PERSON, "400")
        new = crm.contacts.create(
            "person", ContactPatch(first_name="Uusi", last_name="Asiakas", company="Vanha Oy")
        )
        card = crm.queries.card(PERSON)
        assert [p.e164 for p in card.phones] == ["+358407654321", "+35891234567"]
        assert card.stage == "repeat_customer"
        assert card.terms is not None and card.terms.payment_terms_days == 14
        assert card.balances[0].owed_minor == 40000 + 38000 - 40000
        assert card.terms.credit_left_minor == 100000 - 38000
        assert crm.queries.card(new).company_id == COMPANY  # found the old company by name
        assert crm.queries.count() == 3
        with crm.db.reading() as session:
            moves = session.execute(
                text(
                    "SELECT from_stage, to_stage FROM stage_history WHERE contact_id = :id"
                    " ORDER BY changed_at, from_stage IS NOT NULL"
                ),
                {"id": PERSON},
            ).all()
        assert moves == [(None, "customer"), ("customer", "repeat_customer")]
        # The audit trail starts in this version; the old file had none.
        assert crm.verify_audit().ok
    finally:
        crm.close()


def test_migrate_steps_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "steps.db"
    conn = cipher.connect(path, cipher.quote_key(PASSPHRASE), create=True)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        assert migrations.migrate(conn, target=1) == [1]
        assert migrations.current_version(conn) == 1
        assert migrations.migrate(conn, target=1) == []
        assert migrations.migrate(conn) == list(range(2, migrations.LATEST_VERSION + 1))
        assert migrations.migrate(conn) == []
        assert migrations.current_version(conn) == migrations.LATEST_VERSION
    finally:
        conn.close()


def test_steps_are_numbered_from_their_module_names() -> None:
    steps = migrations.steps()
    assert [s.version for s in steps] == list(range(1, migrations.LATEST_VERSION + 1))
    for step in steps:
        assert step.name.startswith(f"v{step.version:03d}_")
        assert step.statements
