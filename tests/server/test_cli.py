"""``crmdesk-server``: init, users, tokens, serve (in a real process), clear errors."""

from __future__ import annotations

import io
import shutil
import ssl
import subprocess
import sys
import time

import httpx
import pytest
from live import free_port, start_serve, stop_serve

from crmdesk.server import accounts, migrations
from crmdesk.server.cli import main
from crmdesk.server.storage import ServerDatabase, resolve_url
from crmdesk.sync.protocol import PROTOCOL_HEADER

PASSWORD = "a long enough password"


def _run(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _add(capsys, monkeypatch, data, name, role="salesperson"):
    return _run(
        capsys,
        "user",
        "add",
        name,
        "--role",
        role,
        "--password-stdin",
        "--data",
        str(data),
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )


def test_init_user_add_list_disable_and_token_revoke(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    code, out, _ = _run(capsys, "init", "--data", str(data))
    assert code == 0 and f"created (schema {migrations.LATEST_VERSION})" in out
    assert (data / "crmdesk-server.db").is_file()
    assert _run(capsys, "init", "--data", str(data))[1].endswith("already up to date.\n")
    assert _add(capsys, monkeypatch, data, "anna", "owner")[:2] == (0, "Added owner 'anna'.\n")
    assert _add(capsys, monkeypatch, data, "bob")[0] == 0

    code, out, _ = _run(capsys, "user", "list", "--data", str(data))
    lines = out.splitlines()
    assert [line.split()[:3] for line in lines] == [
        ["anna", "owner", "active"],
        ["bob", "salesperson", "active"],
    ]
    db = ServerDatabase.open(resolve_url(data))
    try:
        for name in ("anna", "bob", "bob"):
            accounts.login(db, name, PASSWORD, "n1")
        assert _run(capsys, "token", "revoke", "--user", "bob", "--data", str(data))[1] == (
            "Revoked 2 sign-in tokens.\n"
        )
        assert _run(capsys, "user", "disable", "anna", "--data", str(data))[1] == (
            "'anna' is now disabled.\n"
        )
        assert _run(capsys, "token", "revoke", "--all", "--data", str(data))[1] == (
            "Revoked 0 sign-in tokens.\n"
        )
        assert [u.disabled for u in accounts.list_users(db)] == [True, False]
    finally:
        db.close()


def test_custom_roles_from_the_command_line(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    _run(capsys, "init", "--data", str(data))
    code, out, _ = _run(
        capsys, "role", "add", "viewer", "--allow", "view", "--allow", "export", "--data", str(data)
    )
    assert (code, out) == (0, "Added role 'viewer': view, export.\n")
    assert _add(capsys, monkeypatch, data, "vera", "viewer")[:2] == (0, "Added viewer 'vera'.\n")
    listed = _run(capsys, "role", "list", "--data", str(data))[1].splitlines()
    assert [line.split()[:2] for line in listed] == [
        ["owner", "built-in"],
        ["salesperson", "built-in"],
        ["accountant", "built-in"],
        ["viewer", "custom"],
    ]
    code, _, err = _run(capsys, "role", "remove", "viewer", "--data", str(data))
    assert code != 0 and "still have the role 'viewer'" in err
    code, _, err = _add(capsys, monkeypatch, data, "max", "boss")
    assert code != 0 and "'boss' is not a role; choose one of owner" in err


def test_environment_chooses_the_data_folder(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMDESK_SERVER_DATA", str(tmp_path / "from-env"))
    monkeypatch.delenv("CRMDESK_DATABASE_URL", raising=False)
    assert _run(capsys, "init")[0] == 0
    assert (tmp_path / "from-env" / "crmdesk-server.db").is_file()


def test_password_is_asked_twice_without_stdin(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    main(["init", "--data", str(data)])
    answers = iter([PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = _run(capsys, "user", "add", "anna", "--role", "owner", "--data", str(data))
    assert code == 10
    assert err == "crmdesk-server: The two passwords differ; nothing was changed.\n"
    answers = iter([PASSWORD, PASSWORD])
    assert _run(capsys, "user", "add", "anna", "--role", "owner", "--data", str(data))[0] == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["user", "list"], 3, "run 'crmdesk-server init' first"),
        (["user", "disable", "ghost"], 11, "There is no user named 'ghost'."),
        (["token", "revoke", "--user", "ghost"], 11, "There is no user named 'ghost'."),
        (["serve", "--ssl-certfile", "cert.pem"], 2, "go together"),
        (["user", "list", "--database-url", "nosuchdb://x"], 5, "not a usable database URL"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(capsys, tmp_path, args, code, message):
    data = tmp_path / "srv"
    if args[:2] != ["user", "list"] or "--database-url" in args:
        main(["init", "--data", str(data)])
        capsys.readouterr()
    if "--database-url" not in args:
        args = [*args, "--data", str(data if args[:2] != ["user", "list"] else tmp_path / "none")]
    got, _, err = _run(capsys, *args)
    assert got == code
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_duplicate_user_is_refused(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    main(["init", "--data", str(data)])
    _add(capsys, monkeypatch, data, "anna")
    code, _, err = _add(capsys, monkeypatch, data, "anna")
    assert code == 10 and "already exists" in err


def test_help_and_usage_errors_in_a_real_process():
    command = [sys.executable, "-m", "crmdesk.server.cli"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True)
    for word in ("init", "serve", "user", "token"):
        assert word in shown.stdout
    serve_help = subprocess.run([*command, "serve", "--help"], capture_output=True, text=True)
    for option in ("--workers", "--ssl-certfile", "--ssl-keyfile", "--database-url", "--data"):
        assert option in serve_help.stdout
    bad = subprocess.run([*command, "user", "add", "x"], capture_output=True)
    assert bad.returncode == 2 and b"arguments are required: --role" in bad.stderr


def test_serve_runs_the_app_on_the_given_port(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    main(["init", "--data", str(data)])
    _add(capsys, monkeypatch, data, "anna")
    port = free_port()
    process = start_serve(["--data", str(data), "--token-days", "2"], port)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        headers = {PROTOCOL_HEADER: "1"}
        answer = httpx.post(
            f"{base}/login",
            json={"username": "anna", "password": PASSWORD, "node": "n1"},
            headers=headers,
        )
        assert answer.status_code == 200
        expires = answer.json()["expires_at"]
        assert expires.startswith(time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400)))
    finally:
        output = stop_serve(process)
    assert f"crmdesk sync server on http://127.0.0.1:{port}" in output


def test_serve_refuses_a_database_that_was_not_initialised(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "crmdesk.server.cli", "serve", "--data", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert "run 'crmdesk-server init' first" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_over_tls(capsys, monkeypatch, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    data = tmp_path / "srv"
    main(["init", "--data", str(data)])
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    trust = ssl.create_default_context(cafile=str(cert))
    tls_options = ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    process = start_serve(["--data", str(data), *tls_options], port, tls=trust)
    try:
        answer = httpx.get(
            f"https://127.0.0.1:{port}/api/v1/hello", headers={PROTOCOL_HEADER: "1"}, verify=trust
        )
        assert answer.status_code == 200
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
    finally:
        output = stop_serve(process)
    assert f"https://127.0.0.1:{port}" in output


def test_postgresql_by_url_option_and_environment(capsys, monkeypatch, postgres_url):
    code, out, _ = _run(capsys, "init", "--database-url", postgres_url)
    assert code == 0 and f"created (schema {migrations.LATEST_VERSION})" in out
    assert "postgresql+psycopg://" in out
    code, out, _ = _run(
        capsys,
        "user",
        "add",
        "anna",
        "--role",
        "owner",
        "--password-stdin",
        "--database-url",
        postgres_url,
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    monkeypatch.setenv("CRMDESK_DATABASE_URL", postgres_url)
    code, out, _ = _run(capsys, "user", "list")
    assert code == 0 and out.split()[:3] == ["anna", "owner", "active"]


def test_unreachable_postgresql_is_one_clear_line(capsys):
    port = free_port()
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{port}/crm"
    code, _, err = _run(capsys, "user", "list", "--database-url", url)
    assert code == 5
    assert "cannot be used" in err and "secret" not in err
    assert err.count("\n") == 1


def test_restore_explains_unknown_users_and_dry_runs(capsys, monkeypatch, tmp_path):
    data = tmp_path / "srv"
    assert _run(capsys, "init", "--data", str(data))[0] == 0
    assert _add(capsys, monkeypatch, data, "bo")[0] == 0
    code, _, err = _run(
        capsys, "restore", "--user", "nobody", "--since", "2026-01-01", "--data", str(data)
    )
    assert code == 47 and err.strip() == "crmdesk-server: There is no user 'nobody' on this server."
    code, out, _ = _run(
        capsys, "restore", "--user", "bo", "--since", "2026-01-01", "--dry-run", "--data", str(data)
    )
    assert code == 0 and out.startswith("Would restore 0 field values of 0 rows")
    code, _, err = _run(capsys, "restore", "--user", "bo", "--since", "soon", "--data", str(data))
    assert code == 10 and "soon" in err
