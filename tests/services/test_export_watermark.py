"""Traceable exports: who exported what is in the audit trail, and a made-up
watermark row lets a leaked CSV or vCard file be traced back to its export."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import vobject
from sqlalchemy import text

from crmdesk.domain.ids import new_id
from crmdesk.errors import NotTraced, PermissionDenied
from crmdesk.services.app import Crm
from crmdesk.services.export_trace import TraceMatch
from crmdesk.services.exports import FORMATS, KINDS, ExportRequest, Period
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.store.models import User


@pytest.fixture
def shop(crm: Crm) -> Crm:
    """Twelve people with a purchase, a payment, a call, a follow-up and a deal each."""
    for n in range(12):
        person = crm.contacts.create(
            "person", ContactPatch(first_name=f"Person{n}", last_name="Real", company="Acme Oy")
        )
        crm.activities.purchase(person, [LineInput("Winter tyre", "4", "89.90")])
        crm.activities.payment(person, "10")
        crm.activities.log(person, "call", "hello")
        crm.followups.add(person, datetime.now(UTC) + timedelta(days=n + 1), "call back")
        crm.deals.create(person, "Tyres", "100")
    return crm


@pytest.fixture
def clerk(shop: Crm) -> Crm:
    """The same database, acting as a salesperson (watermarked by default)."""
    with shop.db.writing() as session:
        clerk_id = new_id()
        now = datetime.now(UTC)
        session.add(
            User(
                id=clerk_id,
                username="clerk",
                display_name="Clerk",
                role="salesperson",
                created_at=now,
                updated_at=now,
            )
        )
    shop.ctx.actor_id = clerk_id
    return shop


def export(crm: Crm, path: Path, kind: str = "contacts", **options: object) -> dict:
    """Export, then return the export's audit entry details."""
    result = crm.exports.export(ExportRequest(kind, path, **options))  # type: ignore[arg-type]
    with crm.db.reading() as session:
        changes = session.execute(
            text("SELECT changes FROM audit_log WHERE action = 'export' ORDER BY seq DESC LIMIT 1")
        ).scalar_one()
    details = json.loads(changes)
    assert details["rows"] == result.rows
    return details


def trace(crm: Crm, path: Path) -> list[TraceMatch]:
    """Trace as the owner (reading the audit trail is an owner's right)."""
    acting = crm.ctx.actor_id
    with crm.db.reading() as session:
        crm.ctx.actor_id = session.execute(
            text("SELECT id FROM users WHERE role = 'owner'")
        ).scalar_one()
    try:
        return crm.audit.trace(path)
    finally:
        crm.ctx.actor_id = acting


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_owners_are_not_watermarked_by_default_and_everyone_is_recorded(
    shop: Crm, tmp_path: Path
) -> None:
    details = export(shop, tmp_path / "owner.csv", period=Period(None, None))
    assert details["watermark"] is None
    assert len(csv_rows(tmp_path / "owner.csv")) == details["rows"] == 13  # 12 people + Acme
    assert (details["kind"], details["format"], details["from"], details["to"]) == (
        "contacts",
        "csv",
        None,
        None,
    )


def test_a_salespersons_csv_carries_a_row_that_traces_back(clerk: Crm, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    details = export(clerk, path)
    marker = details["watermark"]
    rows = csv_rows(path)
    assert len(rows) == details["rows"] + 1 == 14
    canary = [r for r in rows if r["id"] == marker["id"]]
    assert len(canary) == 1
    # An ordinary-looking person: not first, not last, with an address and a company.
    assert rows[0]["id"] != marker["id"] and rows[-1]["id"] != marker["id"]
    assert canary[0]["display_name"] == f"{marker['first_name']} {marker['last_name']}"
    assert canary[0]["addresses"] and canary[0]["company"] == marker["company"]
    assert canary[0]["emails"] == canary[0]["phones"] == ""  # it can reach nobody
    (match,) = trace(clerk, path)
    assert (match.user, match.kind, match.format, match.rows, match.evidence) == (
        "clerk",
        "contacts",
        "csv",
        13,
        "row id",
    )
    assert match.file == str(path)
    assert "by clerk" in match.describe()
    with pytest.raises(PermissionDenied):  # a salesperson may not read the trail
        clerk.audit.trace(path)


def test_the_watermark_survives_a_spreadsheet_round_trip(clerk: Crm, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    first = export(clerk, path)
    export(clerk, tmp_path / "other.csv")  # a second export that must not match
    rows = csv_rows(path)
    resaved = tmp_path / "resaved.csv"
    with resaved.open("w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.DictWriter(fh, rows[0].keys(), delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows[::-1])  # sorted the other way, too
    (match,) = trace(clerk, resaved)
    assert (match.seq, match.evidence) == (_seq_of(clerk, first), "row id")
    # Even with the id column cut out, the made-up name still points at it.
    no_ids = tmp_path / "no-ids.tsv"
    with no_ids.open("w", encoding="utf-16", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t")
        writer.writerows([[v for k, v in r.items() if k != "id"] for r in rows])
    matches = trace(clerk, no_ids)
    assert _seq_of(clerk, first) in {m.seq for m in matches}
    assert {m.evidence for m in matches} == {"name only"}


def test_a_vcard_export_traces_back(clerk: Crm, tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    details = export(clerk, path, format="vcard")
    cards = list(vobject.readComponents(path.read_text(encoding="utf-8")))
    assert len(cards) == details["rows"] + 1
    (match,) = trace(clerk, path)
    assert (match.format, match.evidence) == ("vcard", "row id")


def test_every_kind_and_format_takes_a_watermark(clerk: Crm, tmp_path: Path) -> None:
    for fmt, kinds in FORMATS.items():
        for kind in kinds:
            path = tmp_path / f"{kind}.{fmt}"
            details = export(clerk, path, kind, format=fmt)
            assert details["watermark"]["id"] in path.read_text(encoding="utf-8-sig"), path
            (match,) = trace(clerk, path)
            assert (match.kind, match.format) == (kind, fmt)
    assert set(KINDS) == set(FORMATS["csv"])


def test_a_period_export_dates_the_row_inside_the_period(clerk: Crm, tmp_path: Path) -> None:
    today = datetime.now().date()
    period = Period(today - timedelta(days=30), today)
    details = export(clerk, tmp_path / "calls.csv", "activities", period=period)
    stamp = datetime.fromisoformat(details["watermark"]["at"].replace("Z", "+00:00"))
    assert period.start <= stamp.astimezone().date() <= period.end
    assert (details["from"], details["to"]) == (period.start.isoformat(), today.isoformat())


def test_a_file_from_elsewhere_is_not_traced(clerk: Crm, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.csv"
    stranger.write_text("id,name\n" + new_id() + ",Someone Else\n", encoding="utf-8")
    with pytest.raises(NotTraced, match="No export so far carried a watermark"):
        trace(clerk, stranger)
    export(clerk, tmp_path / "contacts.csv")
    with pytest.raises(NotTraced, match=r"stranger\.csv matches no recorded export") as caught:
        trace(clerk, stranger)
    assert caught.value.exit_code == 37


def test_only_user_managers_switch_the_watermark(clerk: Crm, tmp_path: Path) -> None:
    me = clerk.ctx.actor_id
    assert me is not None and clerk.audit.watermarked()
    with pytest.raises(PermissionDenied):
        clerk.audit.set_watermarked(me, False)
    assert clerk.audit.watermarked()
    with clerk.db.reading() as session:
        owner = session.execute(text("SELECT id FROM users WHERE role = 'owner'")).scalar_one()
    clerk.ctx.actor_id = owner
    assert not clerk.audit.watermarked()
    clerk.audit.set_watermarked(me, False)
    clerk.audit.set_watermarked(owner, True)
    assert clerk.audit.watermarked() and not clerk.audit.watermarked(me)
    assert export(clerk, tmp_path / "owner.csv")["watermark"] is not None


def _seq_of(crm: Crm, details: dict) -> int:
    with crm.db.reading() as session:
        return int(
            session.execute(
                text("SELECT seq FROM audit_log WHERE changes LIKE :m"),
                {"m": f"%{details['watermark']['id']}%"},
            ).scalar_one()
        )


def test_an_empty_export_gets_no_made_up_row(clerk: Crm, tmp_path: Path) -> None:
    path = tmp_path / "none.csv"
    future = datetime.now().date() + timedelta(days=400)
    details = export(clerk, path, period=Period(future, future))
    assert (details["rows"], details["watermark"]) == (0, None)
    assert csv_rows(path) == []
