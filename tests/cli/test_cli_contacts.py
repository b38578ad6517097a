"""Contacts through the command line: add, show, edit, delete, restore, list."""

from __future__ import annotations

from pathlib import Path

from crmdesk.errors import Ambiguous, DatabaseExists, NotFound, ValidationError


def test_init_refuses_to_overwrite(db_cli, tmp_path: Path) -> None:
    before = (tmp_path / "crm.db").read_bytes()
    result = db_cli("init")
    assert result.code == DatabaseExists.exit_code
    assert "already exists" in result.err
    assert (tmp_path / "crm.db").read_bytes() == before


def test_init_rejects_short_passphrase(cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRMDESK_PASSPHRASE", "short")
    result = cli("init")
    assert result.code == ValidationError.exit_code
    assert "at least 8 characters" in result.err
    assert not (tmp_path / "crm.db").exists()


def test_add_show_by_id_email_and_phone(db_cli) -> None:
    added = db_cli(
        "contact",
        "add",
        "--first",
        "Matti",
        "--last",
        "Jääskeläinen",
        "--company",
        "Acme Oy",
        "--phone",
        "mobile=040 123 4567",
        "--email",
        "Matti@Acme.fi",
        "--tag",
        "vip",
        "--stage",
        "prospect",
    )
    assert added.code == 0, added.err
    contact_id = added.out.strip()
    for ref in (contact_id, "matti@acme.FI", "+358 40 1234567", "0401234567", "MATTI JÄÄSKELÄINEN"):
        shown = db_cli("contact", "show", ref, "--json")
        assert shown.code == 0, shown.err
        card = shown.json()
        assert card["id"] == contact_id
    assert card["display_name"] == "Matti Jääskeläinen"
    assert card["company_name"] == "Acme Oy"
    assert card["stage"] == "prospect"
    assert card["tags"] == ["vip"]
    assert card["phones"][0]["e164"] == "+358401234567"
    assert card["phones"][0]["label"] == "mobile"
    text = db_cli("contact", "show", contact_id).out
    assert "Matti Jääskeläinen" in text and "Acme Oy" in text and "Prospect" in text


def test_edit_changes_adds_and_removes_values(db_cli) -> None:
    contact_id = db_cli(
        "contact",
        "add",
        "--first",
        "Ana",
        "--last",
        "Kovačič",
        "--phone",
        "+386 41 123 456",
        "--email",
        "ana@example.si",
        "--tag",
        "wholesale",
    ).out.strip()
    result = db_cli(
        "contact",
        "edit",
        contact_id,
        "--last",
        "Kovač",
        "--phone",
        "+386 1 234 5678",
        "--remove-phone",
        "00386 41 123456",
        "--email",
        "ana.k@example.si",
        "--remove-email",
        "ANA@example.si",
        "--tag",
        "vip",
        "--remove-tag",
        "wholesale",
        "--stage",
        "customer",
    )
    assert result.code == 0, result.err
    card = db_cli("contact", "show", contact_id, "--json").json()
    assert card["display_name"] == "Ana Kovač"
    assert [p["e164"] for p in card["phones"]] == ["+38612345678"]
    assert [e["address"] for e in card["emails"]] == ["ana.k@example.si"]
    assert card["tags"] == ["vip"]
    assert card["stage"] == "customer"


def test_bad_input_leaves_database_unchanged(db_cli) -> None:
    contact_id = db_cli("contact", "add", "--first", "Kalev", "--last", "Tõnisson").out.strip()
    before = db_cli("contact", "show", contact_id, "--json").json()
    bad_email = db_cli("contact", "edit", contact_id, "--last", "Changed", "--email", "kalev@")
    assert bad_email.code == ValidationError.exit_code
    assert "not a valid e-mail" in bad_email.err
    bad_phone = db_cli("contact", "add", "--first", "X", "--phone", "call me")
    assert bad_phone.code == ValidationError.exit_code
    assert "not a phone number" in bad_phone.err
    bad_stage = db_cli("contact", "edit", contact_id, "--stage", "bestie")
    assert bad_stage.code == ValidationError.exit_code
    after = db_cli("contact", "show", contact_id, "--json").json()
    assert after == before
    listing = db_cli("contact", "list", "--json").json()
    assert [c["display_name"] for c in listing] == ["Kalev Tõnisson"]


def test_delete_and_restore(db_cli) -> None:
    contact_id = db_cli(
        "contact",
        "add",
        "--first",
        "Giulia",
        "--last",
        "D'Alessandro",
        "--email",
        "giulia@example.it",
    ).out.strip()
    deleted = db_cli("contact", "delete", "giulia@example.it")
    assert deleted.code == 0
    assert "trash" in deleted.out
    assert db_cli("contact", "show", contact_id).code == NotFound.exit_code
    assert db_cli("search", "alessandro", "--json").json() == []
    assert db_cli("contact", "restore", contact_id).code == 0
    assert [c["id"] for c in db_cli("search", "alessandro", "--json").json()] == [contact_id]


def test_ambiguous_reference_lists_candidates(db_cli) -> None:
    a = db_cli("contact", "add", "--first", "Anna", "--phone", "040 765 4321").out.strip()
    b = db_cli("contact", "add", "--first", "Pekka", "--phone", "+358407654321").out.strip()
    result = db_cli("contact", "show", "040 7654321")
    assert result.code == Ambiguous.exit_code
    assert a in result.err and b in result.err
    assert "Anna" in result.err and "Pekka" in result.err


def test_company_add_with_terms(db_cli) -> None:
    company_id = db_cli(
        "company",
        "add",
        "Rossi S.r.l.",
        "--phone",
        "+39 06 1234 5678",
        "--terms-days",
        "30",
        "--credit-limit",
        "5000",
        "--discount",
        "5",
    ).out
    card = db_cli("company", "show", company_id.strip(), "--json").json()
    assert card["kind"] == "company"
    assert card["terms"]["payment_terms_days"] == 30
    assert card["terms"]["credit_limit_minor"] == 500_000
    assert card["terms"]["discount_bp"] == 500
    person = db_cli("contact", "add", "--first", "Marco", "--company", "Rossi S.r.l.").out.strip()
    card = db_cli("contact", "show", person, "--json").json()
    assert card["company_id"] == company_id.strip()
    assert card["terms"]["holder_name"] == "Rossi S.r.l."


def test_list_filters(db_cli) -> None:
    db_cli("contact", "add", "--first", "Aino", "--stage", "customer", "--tag", "vip")
    db_cli("contact", "add", "--first", "Berit", "--stage", "lead")
    names = [
        c["display_name"] for c in db_cli("contact", "list", "--stage", "customer", "--json").json()
    ]
    assert names == ["Aino"]
    names = [c["display_name"] for c in db_cli("contact", "list", "--tag", "vip", "--json").json()]
    assert names == ["Aino"]
