"""Every released schema version opens in this version without loss."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, PhoneInput
from crmdesk.services.reports import SPECS
from crmdesk.store import migrations
from crmdesk.store.database import Database
from crmdesk.store.models import Base

FIXTURES = Path(__file__).parent.parent / "fixtures"
PASSPHRASE = "fixture-passphrase"
PERSON = "01940000-0000-7000-8000-000000000003"
CLERK_PIN = "1357"  # as in fixtures/make_schema_fixtures.py


@pytest.mark.parametrize("version", range(1, migrations.LATEST_VERSION + 1))
def test_old_database_opens_without_loss(version: int, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema_v{version}.db", path)
    keyed_by_passphrase = not (FIXTURES / f"schema_v{version}.db.keys").exists()
    said: list[str] = []
    crm = Crm.open(path, PASSPHRASE, region="FI", notice=said.append)
    try:
        upgraded = version < migrations.LATEST_VERSION
        assert [s.split(" (")[0] for s in said] == [
            *(["Upgrading old.db"] if upgraded else []),
            *(["Re-encrypting old.db"] if keyed_by_passphrase else []),
        ]
        assert crm.db.schema_version() == migrations.LATEST_VERSION
        card = crm.queries.card(PERSON)
        assert card.display_name == "Aarne Äijälä"
        assert card.company_name == "Vanha Oy"
        assert [p.e164 for p in card.phones] == ["+358407654321"]
        assert [e.address for e in card.emails] == ["Aarne@Vanha.fi"]
        assert card.tags == ("loyal",)
        assert card.balances[0].purchased_minor == 40000
        assert [a.lines[0].description for a in card.last_purchases] == ["Snow tyre"]
        assert [f.text for f in card.open_followups] == ["Ask about summer tyres"]
        assert [s.id for s in crm.search.search("äijä")] == [PERSON]
        assert crm.screenpop.pop("0407654321").card is not None
        with crm.db.reading() as session:
            history = (
                session.execute(
                    text("SELECT to_stage FROM stage_history WHERE contact_id = :id"),
                    {"id": PERSON},
                )
                .scalars()
                .all()
            )
        assert history == ["customer"]
        if version >= 5:
            with crm.db.reading() as session:
                server = session.execute(
                    text("SELECT value FROM sync_state WHERE key = 'server_url'")
                ).scalar_one()
            assert server == "https://office.example:8443"
        if version >= 6:
            with crm.db.reading() as session:
                status = session.execute(
                    text("SELECT status FROM duplicate_proposals WHERE contact_b = :id"),
                    {"id": PERSON},
                ).scalar_one()
            assert status == "dismissed"
        if version >= 9:
            assert card.consent_source == "signed form at the shop"
            assert card.consent_marketing_at is not None
        for name in SPECS:  # every report runs on an upgraded file (its indexes included)
            assert crm.reports.run(name).tables
        if version >= 11:  # saved lists: the live one, still matching its contacts
            (loyal,) = crm.smart_lists.all()
            assert loyal.name == "Loyal customers"
            assert crm.smart_lists.contact_ids(loyal.query) == [PERSON]
        if version >= 12:  # this year's birthday was dismissed; next year's comes
            birthdays = [
                s for s in crm.suggestions.list(date(2026, 11, 23)) if s.rule == "birthday"
            ]
            assert birthdays == []
            (later,) = [s for s in crm.suggestions.list(date(2027, 11, 23)) if s.rule == "birthday"]
            assert later.contact_id == PERSON
        imports = crm.import_history.list()
        assert [(i.file_name, i.created) for i in imports] == (
            [("customers.csv", 1)] if version >= 4 else []
        )
        # New writes work on the upgraded file, including the new columns.
        crm.contacts.update(PERSON, ContactPatch(add_phones=[PhoneInput("09 123 4567")]))
        assert len(crm.queries.card(PERSON).phones) == 2
        if version >= 8:  # the clerk's PIN and the owner's rules came along
            assert sorted(u.username for u in crm.users.active()) == ["kaisa", "owner"]
            assert crm.users.sign_in("kaisa", CLERK_PIN).role == "clerk"
            assert crm.users.policy().bulk_limit == 250
    finally:
        crm.close()
    said.clear()
    Crm.open(path, PASSPHRASE, notice=said.append).close()
    assert said == []  # upgraded once: the next unlock is quiet
    backups = list(tmp_path.glob(f"old.db.schema{version}*.bak"))
    assert bool(backups) == (version < migrations.LATEST_VERSION)
    if backups:
        # The copy kept aside is the untouched old version.
        old = Database.open(backups[0], PASSPHRASE, migrate=False)
        try:
            assert old.schema_version() == version
        finally:
            old.close()


def test_models_match_migrated_tables(tmp_path: Path) -> None:
    db = Database.create(tmp_path / "fresh.db", "a long enough passphrase")
    try:
        with db.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                columns = {
                    row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table.name})")
                }
                assert columns == {c.name for c in table.columns}, table.name
    finally:
        db.close()


def test_a_failed_step_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v1.db", path)
    broken = ("v001_initial", "v002_terms_and_lifecycle", "v003_broken")
    import sys
    import types

    module = types.ModuleType("crmdesk.store.migrations.v003_broken")
    module.STATEMENTS = [  # type: ignore[attr-defined]
        "CREATE INDEX ix_would_be_new ON activities (kind)",
        "THIS IS NOT SQL",
    ]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(migrations, "STEP_MODULES", list(broken))
    monkeypatch.setattr(migrations, "LATEST_VERSION", 3)
    with pytest.raises(Exception, match="syntax error"):
        Database.open(path, PASSPHRASE)
    monkeypatch.undo()
    db = Database.open(path, PASSPHRASE, migrate=False)
    try:
        assert db.schema_version() == 2  # step 2 committed, step 3 rolled back whole
        with db.engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert "ix_would_be_new" not in names
    finally:
        db.close()
