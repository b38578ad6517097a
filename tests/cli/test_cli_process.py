"""The installed ``crmdesk`` command as a separate process: exit codes for
every kind of bad database, no tracebacks, and no Qt on the command path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.errors import DatabaseMissing, DatabaseTooNew, NotADatabase, WrongPassphrase
from crmdesk.store import database, keyfile, migrations

PASS = "correct horse battery"


def crmdesk(tmp_path: Path, *args: str, passphrase: str = PASS) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        CRMDESK_HOME=str(tmp_path / "home"),
        CRMDESK_PASSPHRASE=passphrase,
        CRMDESK_REGION="FI",
    )
    env.pop("CRMDESK_DB", None)
    exe = shutil.which("crmdesk", path=str(Path(sys.executable).parent))
    assert exe, "the crmdesk console script is not installed"
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def made_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("proc")
    db = tmp / "crm.db"
    assert crmdesk(tmp, "--db", str(db), "init").returncode == 0
    added = crmdesk(tmp, "--db", str(db), "contact", "add", "--first", "Proc", "--last", "Ess")
    assert added.returncode == 0, added.stderr
    return db


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_wrong_passphrase(made_db: Path, tmp_path: Path) -> None:
    before = made_db.read_bytes()
    result = crmdesk(tmp_path, "--db", str(made_db), "search", "proc", passphrase="not it!!")
    assert result.returncode == WrongPassphrase.exit_code
    assert "passphrase does not unlock" in result.stderr
    _no_traceback(result)
    assert made_db.read_bytes() == before


def test_not_a_database(tmp_path: Path) -> None:
    for name, content in (("notes.txt", b"just some text\n" * 10), ("empty.db", b"")):
        path = tmp_path / name
        path.write_bytes(content)
        result = crmdesk(tmp_path, "--db", str(path), "search", "x")
        assert result.returncode == NotADatabase.exit_code, name
        assert "not a crmdesk database" in result.stderr
        _no_traceback(result)
        assert path.read_bytes() == content
    plain = tmp_path / "plain.db"
    sqlcipher.connect(str(plain)).execute("CREATE TABLE t (x)").connection.close()
    result = crmdesk(tmp_path, "--db", str(plain), "search", "x")
    assert result.returncode == NotADatabase.exit_code
    assert "unencrypted SQLite" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = crmdesk(tmp_path, "--db", str(tmp_path / "nope.db"), "search", "x")
    assert result.returncode == DatabaseMissing.exit_code
    assert "There is no database" in result.stderr
    assert not (tmp_path / "nope.db").exists()


def test_database_from_newer_version(made_db: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    shutil.copy(made_db, newer)
    shutil.copy(keyfile.path_for(made_db), keyfile.path_for(newer))
    conn = sqlcipher.connect(str(newer))
    conn.execute(f"PRAGMA key = {database.raw_key(newer, PASS)}")
    conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    before = newer.read_bytes()
    result = crmdesk(tmp_path, "--db", str(newer), "search", "proc")
    assert result.returncode == DatabaseTooNew.exit_code
    assert "newer version of crmdesk" in result.stderr
    _no_traceback(result)
    assert newer.read_bytes() == before


def test_usage_error_and_success_codes(made_db: Path, tmp_path: Path) -> None:
    assert crmdesk(tmp_path, "--db", str(made_db), "log").returncode == 2
    found = crmdesk(tmp_path, "search", "proc", "--db", str(made_db))
    assert found.returncode == 0 and "Proc Ess" in found.stdout


def test_command_line_never_loads_qt(made_db: Path) -> None:
    code = (
        "import sys; from crmdesk.cli import main; "
        f"rc = main(['--db', {str(made_db)!r}, 'search', 'proc']); "
        "assert rc == 0, rc; "
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]; "
        "assert not bad, bad"
    )
    env = dict(os.environ, CRMDESK_PASSPHRASE=PASS)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
