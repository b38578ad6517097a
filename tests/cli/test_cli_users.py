"""``crmdesk user ...``, ``crmdesk role ...`` and ``--user`` through the real entry point."""

from __future__ import annotations

import pytest
from tests.cli.conftest import Runner


@pytest.fixture
def db_cli(cli: Runner) -> Runner:
    """A new database whose owner is olga."""
    assert cli("init", "--owner", "olga").code == 0
    return cli


def test_users_roles_and_sign_in(db_cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    made = db_cli("role", "add", "clerk", "--allow", "view,edit")
    assert made.code == 0 and "stays in this file" in made.out
    assert db_cli("role", "add", "mover", "--allow", "view,teleport").code == 10
    assert db_cli("user", "add", "sam", "--display-name", "Sam Berg").code == 0
    monkeypatch.setenv("CRMDESK_PIN", "2468")
    assert db_cli("--user", "olga", "user", "add", "cleo", "--role", "clerk", "--pin").code == 0
    monkeypatch.delenv("CRMDESK_PIN")

    asked = db_cli("contact", "add", "--first", "Ann")
    assert asked.code == 43 and "--user NAME" in asked.err

    listed = db_cli("--user", "olga", "user", "list", "--json").json()
    assert [(u["username"], u["role"], u["has_secret"]) for u in listed] == [
        ("cleo", "clerk", True),
        ("olga", "owner", False),
        ("sam", "salesperson", False),
    ]
    wrong = db_cli("--user", "cleo", "contact", "list")
    assert wrong.code == 41 and "PIN" in wrong.err
    monkeypatch.setenv("CRMDESK_PIN", "2468")
    assert db_cli("--user", "cleo", "contact", "add", "--first", "Ann").code == 0
    refused = db_cli("--user", "cleo", "contact", "delete", "Ann")
    assert refused.code == 40 and "clerk" in refused.err
    monkeypatch.delenv("CRMDESK_PIN")

    monkeypatch.setenv("CRMDESK_USER", "sam")
    assert db_cli("user", "add", "eve").code == 40
    assert db_cli("user", "policy", "--bulk-limit", "1").code == 40
    monkeypatch.setenv("CRMDESK_USER", "olga")
    policy = db_cli("user", "policy", "--own-records-only", "on", "--bulk-limit", "1", "--json")
    assert policy.json() == {"own_records_only": True, "bulk_limit": 1}
    assert db_cli("user", "role", "sam", "accountant").out.strip() == "sam is now accountant."
    assert db_cli("user", "disable", "sam").code == 0
    assert db_cli("--user", "sam", "contact", "list").code == 41
    assert db_cli("user", "disable", "olga").code == 10


def test_bulk_delete_from_the_command_line(db_cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("Ann", "Ben", "Cid"):
        assert db_cli("contact", "add", "--first", name).code == 0
    assert db_cli("user", "policy", "--bulk-limit", "2").code == 0
    assert db_cli("user", "add", "sam").code == 0
    assert db_cli("contact", "list").code == 43
    monkeypatch.setenv("CRMDESK_USER", "sam")
    refused = db_cli("contact", "delete", "Ann", "Ben", "Cid")
    assert refused.code == 42 and "bulk limit of 2 rows" in refused.err
    assert db_cli("contact", "delete", "Ann", "Ben").code == 0
    monkeypatch.setenv("CRMDESK_USER", "olga")
    done = db_cli("contact", "delete", "Cid", "--json")
    assert done.code == 0 and done.json()["deleted"] is True
