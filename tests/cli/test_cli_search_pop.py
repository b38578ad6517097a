"""Search, screen pop, backup and audit through the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crmdesk.errors import DatabaseExists


def test_search_prefix_and_phone(db_cli) -> None:
    matti = db_cli(
        "contact", "add", "--first", "Matti", "--last", "Jääskeläinen", "--phone", "040 123 4567"
    ).out.strip()
    db_cli("contact", "add", "--first", "Kalev", "--last", "Tõnisson", "--company", "Tallinna Rehv")
    for query in ("jää", "jaa", "matti jä", "0401234", "+358 40 123"):
        hits = db_cli("search", query, "--json").json()
        assert [h["id"] for h in hits] == [matti], query
    assert [h["display_name"] for h in db_cli("search", "tallinna", "--json").json()] == [
        "Tallinna Rehv",
        "Kalev Tõnisson",
    ]
    assert db_cli("search", "nomatch").out.strip() == "Nothing found."


def test_pop_finds_caller_in_any_format(db_cli) -> None:
    contact = db_cli(
        "contact", "add", "--first", "Liis", "--last", "Tamm", "--phone", "+372 5123 4567"
    ).out.strip()
    db_cli("purchase", contact, "--item", "Rim:2:50")
    result = db_cli("pop", "0037251234567", "--here", "--json").json()
    assert result["card"]["id"] == contact
    assert result["card"]["balances"][0]["purchased_minor"] == 10000
    text = db_cli("pop", "+37251234567", "--here").out
    assert "Liis Tamm" in text and "Balance owed: 100.00 EUR" in text
    unknown = db_cli("pop", "+358 9 876 5432", "--here")
    assert unknown.code == 0 and "Unknown number" in unknown.out


def test_backup_is_encrypted_and_opens(db_cli, tmp_path: Path, monkeypatch) -> None:
    contact = db_cli("contact", "add", "--first", "Backup", "--last", "Person").out.strip()
    target = tmp_path / "copy.db"
    assert db_cli("backup", str(target)).code == 0
    with target.open("rb") as fh:
        assert not fh.read(16).startswith(b"SQLite format 3")
    with sqlite3.connect(target) as plain:
        try:
            plain.execute("SELECT * FROM sqlite_master").fetchall()
            readable = True
        except sqlite3.DatabaseError:
            readable = False
    assert not readable
    assert db_cli("backup", str(target)).code == DatabaseExists.exit_code
    monkeypatch.setenv("CRMDESK_DB", str(target))
    assert db_cli("contact", "show", contact, "--json").json()["display_name"] == "Backup Person"


def test_audit_verify(db_cli) -> None:
    db_cli("contact", "add", "--first", "Audited")
    result = db_cli("audit", "verify", "--json").json()
    assert result["ok"] is True and result["entries"] >= 3


def test_demo_command(db_cli) -> None:
    result = db_cli("demo", "--contacts", "150", "--seed", "4", "--json")
    assert result.code == 0, result.err
    assert result.json()["contacts"] == 150
    assert len(db_cli("contact", "list", "--limit", "500", "--json").json()) == 150
    assert db_cli("demo", "--contacts", "0").code == 10
