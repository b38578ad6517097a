"""``crmdesk sync`` from the command line, against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synctools import LiveServer, run_cli


def test_sync_remembers_the_server_and_shows_status(
    cli_env: None, tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for db in (a, b):
        assert run_cli(capsys, db, "init")[0] == 0
    assert run_cli(capsys, a, "contact", "add", "--first", "Matti", "--last", "Aho")[0] == 0
    code, out, _ = run_cli(capsys, a, "sync", "--status")
    assert code == 0 and "Server:            (not set)" in out
    code, out, err = run_cli(capsys, a, "sync", "--server", server.url, "--user", "anna")
    assert (code, err) == (0, "")
    assert out.startswith("Synced: sent ")
    code, out, _ = run_cli(capsys, b, "sync", "--server", server.url, "--user", "bo", "--json")
    assert code == 0 and json.loads(out)["snapshot"] is True
    code, out, _ = run_cli(capsys, b, "search", "aho")
    assert "Matti Aho" in out
    # Again, with the remembered settings; then the status as JSON.
    assert run_cli(capsys, b, "sync")[0] == 0
    code, out, _ = run_cli(capsys, b, "sync", "--status", "--json")
    status = json.loads(out)
    assert status["server_url"] == server.url and status["username"] == "bo"
    assert status["pending_changes"] == 0 and status["last_error"] is None
    code, out, _ = run_cli(capsys, b, "sync", "conflicts")
    assert (code, out.strip()) == (0, "No conflicts.")


def test_sync_failures_are_one_line_with_their_exit_code(
    cli_env: None,
    tmp_path: Path,
    server: LiveServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "a.db"
    assert run_cli(capsys, db, "init")[0] == 0
    code, _, err = run_cli(capsys, db, "sync")
    assert code == 20 and err.startswith("crmdesk: No sync server is set")
    code, _, err = run_cli(capsys, db, "sync", "--server", "http://127.0.0.1:9", "--user", "anna")
    assert (code, err) == (20, "crmdesk: Cannot reach the server at http://127.0.0.1:9.\n")
    monkeypatch.setenv("CRMDESK_SYNC_PASSWORD", "wrong")
    code, _, err = run_cli(capsys, db, "sync", "--server", server.url, "--user", "anna")
    assert code == 21 and "refused the login of anna" in err
    assert err.count("\n") == 1
    code, _, err = run_cli(capsys, db, "sync", "flip", "nope")
    assert (code, err) == (11, "crmdesk: No sync conflict with id nope.\n")
