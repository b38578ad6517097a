"""``crmdesk duplicates``, ``merge`` and ``unmerge`` from the command line, after a real sync."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synctools import LiveServer, run_cli

from crmdesk.errors import Ambiguous, NotFound, ValidationError


def test_duplicates_listed_merged_and_unmerged(
    cli_env: None, tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for db, user in ((a, "anna"), (b, "bo")):
        assert run_cli(capsys, db, "init")[0] == 0
        assert run_cli(capsys, db, "sync", "--server", server.url, "--user", user)[0] == 0
    for db, phone in ((a, "040 123 4567"), (b, "+358401234567")):
        code, _, err = run_cli(capsys, db, "contact", "add", "--first", "Kalle", "--last", "Koski",
                           "--phone", phone)  # fmt: skip
        assert code == 0, err
    assert run_cli(capsys, b, "log", "Kalle Koski", "--type", "visit", "--text", "met")[0] == 0
    run_cli(capsys, a, "sync")
    code, out, _ = run_cli(capsys, b, "sync")
    assert code == 0 and "1 possible duplicates to look at: crmdesk duplicates" in out
    code, out, _ = run_cli(capsys, b, "sync", "--status", "--json")
    assert json.loads(out)["open_duplicates"] == 1

    code, out, _ = run_cli(capsys, b, "duplicates")
    lines = out.splitlines()
    assert code == 0 and "same phone +358401234567" in lines[0]
    assert all("Kalle Koski" in line for line in lines[1:3])
    assert "+358401234567; 1 activities, last " in out and "040 123 4567; 0 activities" in out
    (pair,) = json.loads(run_cli(capsys, b, "duplicates", "--json")[1])

    # The name is ambiguous now; ids say which to keep.
    code, _, err = run_cli(capsys, b, "merge", "Kalle Koski", "0401234567")
    assert code == Ambiguous.exit_code and "Kalle Koski" in err
    by_activities = {side["activities"]: side["id"] for side in (pair["left"], pair["right"])}
    mine, theirs = by_activities[1], by_activities[0]  # Bo's own Kalle has the visit
    code, out, err = run_cli(capsys, b, "merge", mine, theirs)
    assert code == 0, err
    assert out.startswith("Merged Kalle Koski into Kalle Koski: moved ")
    assert f"crmdesk unmerge {theirs}" in out
    assert run_cli(capsys, b, "duplicates")[1].strip() == "No possible duplicates."
    code, _, err = run_cli(capsys, b, "merge", mine, theirs)
    assert code == NotFound.exit_code

    code, out, _ = run_cli(capsys, b, "--json", "unmerge", theirs)
    assert code == 0 and json.loads(out)["other_id"] == theirs
    code, _, err = run_cli(capsys, b, "unmerge", theirs)
    assert code == NotFound.exit_code and "was not merged" in err
    (again,) = json.loads(run_cli(capsys, b, "duplicates", "--json")[1])
    code, out, _ = run_cli(capsys, b, "duplicates", "dismiss", again["id"][:8])
    assert code == 0 and "will not be proposed again" in out
    code, _, err = run_cli(capsys, b, "duplicates", "dismiss", again["id"])
    assert code == ValidationError.exit_code and "already dismissed" in err
    assert run_cli(capsys, b, "sync")[1].count("possible duplicates") == 0
