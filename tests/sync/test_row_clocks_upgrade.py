"""A schema-6 file (one clock row per field) upgrades to one clock row per synced row
and keeps every field's stamp: last writer wins, edit bases and the checksum agree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import text
from synctools import apply, outbox

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import migrations
from crmdesk.sync.engine import SyncEngine
from crmdesk.sync.protocol import Change, checksum_hex, field_digest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_v6.db"
FIXTURE_PASSPHRASE = "fixture-passphrase"  # tests/fixtures/make_schema_fixtures.py
PERSON = "01940000-0000-7000-8000-000000000003"
OLD_STAMP = "0001736935200000-0000-laptop1"  # the person's notes, in the fixture


def test_a_schema_6_file_keeps_its_field_stamps(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    crm = Crm.open(path, FIXTURE_PASSPHRASE, region="FI")
    try:
        assert crm.db.schema_version() == migrations.LATEST_VERSION
        with crm.db.reading() as session:
            clocks = session.execute(text("SELECT * FROM sync_row_clocks")).all()
            old_table = session.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sync_clocks'")
            ).first()
        assert [(e, r, json.loads(s)) for e, r, s in clocks] == [
            ("contacts", PERSON, {"notes": OLD_STAMP})
        ]
        assert old_table is None
        digest = field_digest("contacts", PERSON, "notes", OLD_STAMP)
        assert SyncEngine(crm).local_summary() == {"contacts": (1, checksum_hex(digest))}

        older = "0001736935199999-0000-laptop2"
        counts = apply(crm, [Change("contacts", PERSON, "notes", "older text", older)])
        assert (counts.applied, counts.kept_local) == (0, 1)
        assert crm.queries.card(PERSON).notes == "Old customer since 1998"

        crm.contacts.update(PERSON, ContactPatch(notes="Still a customer"))
        [edit] = [r for r in outbox(crm) if r["row_id"] == PERSON and r["field"] == "notes"]
        assert edit["base"] == OLD_STAMP  # edited from the value of the migrated stamp

        newer = "0001736935200001-0000-laptop2"
        counts = apply(crm, [Change("contacts", PERSON, "first_name", "Arne", newer)])
        assert counts.applied == 1
        with crm.db.reading() as session:
            stamps = session.execute(
                text("SELECT stamps FROM sync_row_clocks WHERE row_id = :r"), {"r": PERSON}
            ).scalar_one()
        assert json.loads(stamps) == {"notes": edit["stamp"], "first_name": newer}
        assert crm.queries.card(PERSON).first_name == "Arne"
    finally:
        crm.close()
