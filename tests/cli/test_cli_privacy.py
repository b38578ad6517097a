"""``crmdesk trash`` and ``crmdesk privacy`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def _add(cli: Any, first: str, last: str, email: str) -> str:
    result = cli("contact", "add", "--first", first, "--last", last, "--email", email, "--json")
    assert result.code == 0, result.err
    return str(result.json()["id"])


@pytest.mark.slow
def test_trash_list_restore_and_purge(db_cli: Any) -> None:
    ana = _add(db_cli, "Ana", "Trash", "ana@example.com")
    bob = _add(db_cli, "Bob", "Trash", "bob@example.com")
    assert db_cli("trash", "list").out.strip() == "The trash is empty."
    for ref in (ana, bob):
        assert db_cli("contact", "delete", ref).code == 0
    listed = db_cli("trash", "list", "--json").json()
    assert [i["id"] for i in listed] == [bob, ana]  # type: ignore[index]
    text = db_cli("trash", "list").out
    assert "Ana Trash" in text and "deleted" in text

    assert db_cli("trash", "restore", ana[:13]).code == 0
    assert db_cli("contact", "show", "ana@example.com").code == 0
    done = db_cli("trash", "purge", bob, "--json")
    assert done.code == 0 and done.json()["rows"] >= 3  # type: ignore[index]
    assert db_cli("trash", "list").out.strip() == "The trash is empty."
    missing = db_cli("trash", "purge", bob)
    assert missing.code == 46 and "not" in missing.err and "Traceback" not in missing.err
    assert db_cli("trash", "purge", "--older-than", "0").out.startswith("Purged 0 records")
    assert db_cli("audit", "verify").code == 0


@pytest.mark.slow
def test_privacy_export_erase_and_review(db_cli: Any, tmp_path: Path) -> None:
    cid = _add(db_cli, "Erin", "Erasable", "erin@example.com")
    out = tmp_path / "request"
    out.mkdir()
    exported = db_cli("privacy", "export", "erin@example.com", "--out", str(out), "--json")
    assert exported.code == 0, exported.err
    data = json.loads(Path(exported.json()["json"]).read_text("utf-8"))  # type: ignore[index]
    assert data["contact"]["id"] == cid

    refused = db_cli("privacy", "erase", cid, "--confirm", "Erin")
    assert refused.code == 45 and "nothing was erased" in refused.err
    erased = db_cli("privacy", "erase", cid, "--confirm", "Erin Erasable")
    assert erased.code == 0 and "Erased Erin Erasable" in erased.out
    assert db_cli("contact", "show", cid).code == 11
    assert db_cli("audit", "verify").code == 0

    assert db_cli("privacy", "retention", "6").out.startswith("Leads untouched for 6 months")
    assert "No lead" in db_cli("privacy", "review").out
    assert db_cli("privacy", "retention", "0").code == 10
