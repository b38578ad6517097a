"""Desktop users, sign-in with a PIN, custom roles, bulk limits and record visibility."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from crmdesk.domain import permissions as p
from crmdesk.domain.clock import utcnow
from crmdesk.errors import BulkRefused, PermissionDenied, SignInFailed, ValidationError
from crmdesk.services import user_secrets
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest
from crmdesk.services.inputs import ContactPatch, PhoneInput
from crmdesk.store.models import AuditEntry, User

PASSPHRASE = "correct horse battery"


@pytest.fixture
def shop(tmp_path: Path) -> Crm:
    crm = Crm.create(tmp_path / "crm.db", PASSPHRASE, region="FI", currency="EUR", owner="olga")
    yield crm
    crm.close()


def _person(crm: Crm, first: str, phone: str = "") -> str:
    phones = (PhoneInput(phone),) if phone else ()
    return crm.contacts.create(
        "person", ContactPatch(first_name=first, last_name="Shop", phones=phones)
    )


def test_single_user_file_is_never_asked_and_the_owner_acts(shop: Crm) -> None:
    assert not shop.users.needs_sign_in()
    assert shop.users.current().username == "olga"
    shop.users.add("sam", "Sam Berg", "salesperson")
    assert shop.users.needs_sign_in()
    shop.users.set_disabled("sam")
    assert not shop.users.needs_sign_in()


def test_pin_is_hashed_checked_and_wrong_pin_refused(shop: Crm) -> None:
    shop.users.add("sam", "Sam Berg", "salesperson", secret="4711")
    with shop.db.reading() as session:
        stored = session.execute(select(User.secret_hash).where(User.username == "sam")).scalar()
    assert stored.startswith("$argon2id$") and "4711" not in stored
    with pytest.raises(SignInFailed, match="Sam Berg"):
        shop.users.sign_in("sam", "0000")
    assert shop.users.current().username == "olga"
    assert shop.users.sign_in("SAM", "4711").role == "salesperson"
    assert shop.ctx.actor_id == shop.users.current().id
    with pytest.raises(ValidationError, match="at least 4"):
        shop.users.set_secret("sam", "12")
    shop.users.set_secret("sam", "")  # a user may clear their own PIN
    shop.users.sign_in("olga")
    assert shop.users.sign_in("sam").username == "sam"


def test_scrypt_is_used_without_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    argon = user_secrets.hash_secret("open sesame")
    monkeypatch.setattr(user_secrets, "argon2_hasher", lambda: None)
    hashed = user_secrets.hash_secret("open sesame")
    assert hashed.startswith("scrypt$")
    assert user_secrets.verify_secret(hashed, "open sesame")
    assert not user_secrets.verify_secret(hashed, "open sesam")
    assert not user_secrets.verify_secret(argon, "open sesame")  # argon2 hash, no argon2


def test_disabled_user_cannot_sign_in_and_has_no_rights(shop: Crm) -> None:
    sam = shop.users.add("sam", role="salesperson")
    shop.users.set_disabled("sam")
    with pytest.raises(SignInFailed, match="no active user"):
        shop.users.sign_in("sam")
    shop.ctx.actor_id = sam.id  # as if signed in before being disabled
    with pytest.raises(PermissionDenied, match="none"):
        _person(shop, "Late")
    shop.ctx.actor_id = shop.users.list()[0].id
    assert shop.users.set_disabled("sam", False).disabled is False


def test_the_last_owner_stays_an_owner(shop: Crm) -> None:
    with pytest.raises(ValidationError, match="yourself"):
        shop.users.set_disabled("olga")
    with pytest.raises(ValidationError, match="last owner"):
        shop.users.set_role("olga", "salesperson")
    shop.users.add("otto", role="owner")
    assert shop.users.set_role("olga", "accountant").role == "accountant"
    with pytest.raises(PermissionDenied):  # olga is an accountant now
        shop.users.add("x")


def test_bad_user_input_stores_nothing(shop: Crm) -> None:
    with pytest.raises(ValidationError, match="not a role"):
        shop.users.add("sam", role="janitor")
    with pytest.raises(ValidationError, match="valid user name"):
        shop.users.add("two words")
    shop.users.add("sam")
    with pytest.raises(ValidationError, match="already exists"):
        shop.users.add("SAM")
    assert [u.username for u in shop.users.list()] == ["olga", "sam"]


def test_custom_role_is_stored_and_checked(shop: Crm) -> None:
    role = shop.roles.add("Clerk", ["edit", "view"])
    assert role.permissions == ("view", "edit")
    with shop.db.reading() as session:
        stored = session.execute(text("SELECT permissions FROM roles")).scalar_one()
    assert json.loads(stored) == ["view", "edit"]
    assert [r.name for r in shop.roles.list()] == ["owner", "salesperson", "accountant", "Clerk"]
    with pytest.raises(ValidationError, match="built-in"):
        shop.roles.add("owner", ["view"])
    with pytest.raises(ValidationError, match="teleport"):
        shop.roles.add("Mover", ["view", "teleport"])
    with pytest.raises(ValidationError, match="already exists"):
        shop.roles.add("clerk", ["view"])
    shop.users.add("cleo", role="Clerk")
    shop.users.sign_in("cleo")
    assert shop.users.may(p.EDIT) and not shop.users.may(p.DELETE)
    contact = _person(shop, "Kept")
    with pytest.raises(PermissionDenied, match="Clerk"):
        shop.contacts.delete(contact)


def test_bulk_delete_and_export_over_the_limit(shop: Crm, tmp_path: Path) -> None:
    ids = [_person(shop, f"Bulk{i}") for i in range(4)]
    shop.users.set_policy(bulk_rows=3)
    shop.users.add("sam", role="salesperson")
    shop.users.add("alma", role="accountant")
    shop.users.sign_in("sam")
    with pytest.raises(BulkRefused, match="over the bulk limit of 3 rows"):
        shop.contacts.delete_many(ids)
    with pytest.raises(BulkRefused, match="export many records"):
        shop.exports.export(ExportRequest("contacts", tmp_path / "all.csv"))
    assert not list(tmp_path.glob("all.csv*")) and not list(tmp_path.glob(".all.csv*"))
    assert shop.contacts.delete_many(ids[:3]) == 3  # at the limit: not bulk
    for contact in ids[:3]:
        shop.contacts.restore(contact)
    shop.users.sign_in("alma")
    shop.exports.export(ExportRequest("contacts", tmp_path / "all.csv"))  # accountant may
    shop.users.sign_in("olga")
    assert shop.contacts.delete_many(ids) == 4
    with shop.db.reading() as session:
        actions = session.execute(select(AuditEntry.action, AuditEntry.changes)).all()
    bulk = [json.loads(c) for a, c in actions if a == "bulk_delete"]
    assert bulk == [{"ids": ids}]
    exports = [json.loads(c) for a, c in actions if a == "export"]
    assert exports[-1]["bulk"] is True


def test_salespeople_see_their_own_and_unowned_records(shop: Crm, tmp_path: Path) -> None:
    sam = shop.users.add("sam", role="salesperson")
    shop.users.add("alma", role="accountant")
    olgas = _person(shop, "Olgas", "040 111 2222")
    unowned = _person(shop, "Nobodys", "040 333 4444")
    with shop.db.writing() as session:
        session.execute(text("UPDATE contacts SET owner_id = NULL WHERE id = :i"), {"i": unowned})
    shop.users.sign_in("sam")
    sams = _person(shop, "Sams", "040 555 6666")
    assert shop.queries.card(sams).owner_name == sam.display_name  # new contacts are the creator's

    def seen() -> set[str]:
        return {c.id for c in shop.queries.page()}

    assert seen() == {olgas, unowned, sams}  # the setting is off
    shop.users.sign_in("olga")
    shop.users.set_policy(own_records_only=True)
    assert seen() == {olgas, unowned, sams}  # owners see everything
    shop.users.sign_in("sam")
    assert seen() == {unowned, sams}
    assert shop.queries.count() == 2
    assert {c.id for c in shop.search.search("shop")} == {unowned, sams}
    assert shop.screenpop.pop("0401112222").card is None
    assert shop.screenpop.pop("0405556666").card.id == sams
    with pytest.raises(PermissionDenied, match="another salesperson"):
        shop.queries.card(olgas)
    shop.exports.export(ExportRequest("contacts", tmp_path / "sam.csv"))
    text_out = (tmp_path / "sam.csv").read_text(encoding="utf-8-sig")
    assert "Sams" in text_out and "Nobodys" in text_out and "Olgas" not in text_out
    shop.users.sign_in("olga")
    shop.followups.add(olgas, utcnow() + timedelta(days=1), "ring Olga's customer")
    shop.users.sign_in("sam")
    assert shop.followups.list() == []  # follow-ups follow their contact
    shop.users.sign_in("alma")
    assert seen() == {olgas, unowned, sams}  # see_all
    assert [f.text for f in shop.followups.list()] == ["ring Olga's customer"]


def test_a_schema_6_file_gains_pins_and_roles(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "schema_v6.db", path)
    crm = Crm.open(path, "fixture-passphrase", region="FI")
    try:
        assert not crm.users.needs_sign_in()
        owner = crm.users.current()
        assert owner is not None and owner.role == "owner" and not owner.has_secret
        crm.roles.add("clerk", ["view"])
        crm.users.add("cleo", role="clerk", secret="1357")
        assert crm.users.sign_in("cleo", "1357").role == "clerk"
        assert crm.users.policy().bulk_limit == 500
    finally:
        crm.close()


def test_the_shared_settings_are_the_owners(shop: Crm) -> None:
    shop.users.add("sam", "Sam Berg", "salesperson")
    shop.users.sign_in("sam")
    shop.change_defaults(region="FI", currency="EUR")  # unchanged: nothing to refuse
    with pytest.raises(PermissionDenied, match="salesperson"):
        shop.change_defaults(currency="SEK")
    with pytest.raises(PermissionDenied):
        shop.save_setting("bulk_limit", "1000000")
    assert shop.stored_settings()["currency"] == "EUR"
    shop.users.sign_in("olga")
    shop.change_defaults(currency="SEK")
    assert shop.stored_settings()["currency"] == "SEK"
