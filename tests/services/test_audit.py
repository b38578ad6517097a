"""The audit trail: every write leaves an entry; the hash chain shows edits and removals."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.services.app import Crm
from crmdesk.services.audit import GENESIS
from crmdesk.services.inputs import ContactPatch, LineInput, PhoneInput

PASS = "correct horse battery"


def entries(crm: Crm) -> list[tuple[int, str | None, str, str, str | None, str, dict[str, object]]]:
    with crm.db.reading() as session:
        rows = session.execute(
            text(
                "SELECT seq, user_id, action, entity, entity_id, summary, changes"
                " FROM audit_log ORDER BY seq"
            )
        ).all()
    return [(*row[:6], json.loads(row[6])) for row in rows]  # type: ignore[misc]


def tamper(crm: Crm, sql: str, **params: object) -> None:
    """Change the table behind the services' back, as someone with the passphrase could."""
    with crm.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_every_write_adds_an_entry(crm: Crm) -> None:
    actor = crm.ctx.actor_id
    assert actor is not None
    seen = len(entries(crm))
    assert seen == 3  # the owner, and the region and currency settings

    def wrote(action: str, entity: str, entity_id: str | None = None) -> None:
        nonlocal seen
        now = entries(crm)
        assert len(now) > seen, (action, entity)
        last = now[-1]
        assert (last[2], last[3]) == (action, entity)
        if entity_id is not None:
            assert last[4] == entity_id
        assert all(e[1] == actor for e in now[seen:])
        seen = len(now)

    matti = crm.contacts.create(
        "person", ContactPatch(first_name="Matti", phones=[PhoneInput("040 123 4567")])
    )
    wrote("create", "contact", matti)
    assert entries(crm)[-1][6]["first_name"][-1] == "Matti"
    crm.contacts.update(matti, ContactPatch(company="Acme Oy"))
    wrote("update", "contact", matti)
    assert {e[3] for e in entries(crm)[-2:]} == {"contact"}  # the new company, then Matti
    call = crm.activities.log(matti, "call", "hello")
    wrote("log", "activity", call)
    purchase = crm.activities.purchase(matti, [LineInput("Tyre", "1", "10")])
    # The product, the stage moved to customer, the purchase itself.
    assert [e[3] for e in entries(crm)[seen:]] == ["product", "contact", "activity"]
    wrote("log", "activity", purchase)
    crm.activities.payment(matti, "5")
    wrote("log", "activity")
    complaint = crm.activities.log(matti, "complaint", "flat")
    wrote("log", "activity", complaint)
    crm.activities.set_complaint_status(complaint, "resolved")
    wrote("update", "activity", complaint)
    crm.activities.delete(call)
    wrote("delete", "activity", call)
    crm.activities.restore(call)
    wrote("restore", "activity", call)
    due = utcnow() + timedelta(days=1)
    followup = crm.followups.add(matti, due, "call back", recurrence="weekly")
    wrote("create", "followup", followup)
    crm.followups.snooze(followup, timedelta(hours=1))
    wrote("update", "followup", followup)
    spawned = crm.followups.complete(followup)
    wrote("create", "followup", spawned)
    crm.followups.reopen(followup)
    wrote("reopen", "followup", followup)
    crm.followups.delete(followup)
    wrote("delete", "followup", followup)
    deal = crm.deals.create(matti, "Tyres", "100")
    wrote("create", "deal", deal)
    crm.deals.move(deal, "won", "price")
    wrote("update", "deal", deal)
    crm.contacts.delete(matti)
    wrote("delete", "contact", matti)
    crm.contacts.restore(matti)
    wrote("restore", "contact", matti)
    crm.save_setting("currency", "SEK")
    wrote("update", "setting", "currency")
    assert entries(crm)[-1][6] == {"currency": ["EUR", "SEK"]}

    report = crm.verify_audit()
    assert (report.ok, report.entries, report.broken_at, report.reason) == (True, seen, None, "")
    assert [e[0] for e in entries(crm)] == list(range(1, seen + 1))


@pytest.fixture
def chained(crm: Crm) -> Crm:
    for name in ("Anna", "Bertta", "Cecilia", "Daniel"):
        crm.contacts.create("person", ContactPatch(first_name=name, notes="private"))
    assert crm.verify_audit().ok
    assert len(entries(crm)) == 7
    return crm


def test_an_edited_entry_breaks_the_chain_there(chained: Crm) -> None:
    for column, value in [
        ("summary", "Someone else"),
        ("changes", "{}"),
        ("action", "update"),
        ("entity_id", "01940000-0000-7000-8000-0000000000ff"),
        ("user_id", None),
        ("at", "2020-01-01T00:00:00.000Z"),
    ]:
        with chained.db.reading() as session:
            original = session.execute(
                text(f"SELECT {column} FROM audit_log WHERE seq = 5")
            ).scalar_one()
        tamper(chained, f"UPDATE audit_log SET {column} = :v WHERE seq = 5", v=value)
        report = chained.verify_audit()
        assert (report.ok, report.broken_at, report.reason) == (
            False,
            5,
            "entry was altered",
        ), column
        # Putting the original back mends the chain: the check looks at content only.
        tamper(chained, f"UPDATE audit_log SET {column} = :v WHERE seq = 5", v=original)
        assert chained.verify_audit().ok, column


def test_a_recomputed_hash_still_breaks_the_next_link(chained: Crm) -> None:
    tamper(chained, "UPDATE audit_log SET hash = :h WHERE seq = 4", h="f" * 64)
    report = chained.verify_audit()
    assert (report.ok, report.broken_at) == (False, 4)
    tamper(chained, "UPDATE audit_log SET prev_hash = :h WHERE seq = 5", h="f" * 64)
    assert chained.verify_audit().broken_at == 4  # the first break is reported


def test_a_removed_entry_is_reported_missing(chained: Crm) -> None:
    tamper(chained, "DELETE FROM audit_log WHERE seq = 4")
    report = chained.verify_audit()
    assert (report.ok, report.broken_at) == (False, 4)
    assert "missing" in report.reason


def test_renumbering_after_a_removal_breaks_the_link(chained: Crm) -> None:
    tamper(chained, "DELETE FROM audit_log WHERE seq = 4")
    tamper(chained, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 4")
    report = chained.verify_audit()
    assert (report.ok, report.broken_at) == (False, 4)


def test_the_chain_starts_at_genesis(chained: Crm) -> None:
    with chained.db.reading() as session:
        first = session.execute(text("SELECT prev_hash FROM audit_log WHERE seq = 1")).scalar_one()
    assert first == GENESIS
    tamper(chained, "UPDATE audit_log SET prev_hash = :h WHERE seq = 1", h="1" * 64)
    assert chained.verify_audit().broken_at == 1


def test_writers_on_two_connections_keep_one_chain(crm: Crm, tmp_path: Path) -> None:
    other = Crm.open(crm.db.path, PASS)
    errors: list[BaseException] = []

    def write(app: Crm, prefix: str) -> None:
        try:
            for i in range(10):
                app.contacts.create("person", ContactPatch(first_name=f"{prefix}{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(crm, "A")),
        threading.Thread(target=write, args=(other, "B")),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    assert errors == []
    report = crm.verify_audit()
    assert report.ok, report
    assert report.entries == 3 + 20
    reopened = Crm.open(crm.db.path, PASS)
    try:
        assert reopened.verify_audit().ok
        assert reopened.queries.count() == 20
    finally:
        reopened.close()
