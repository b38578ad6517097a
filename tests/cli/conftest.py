"""Fixtures for driving the real ``crmdesk`` entry point on encrypted files."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from crmdesk.cli import main

PASSPHRASE = "correct horse battery"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


Runner = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``crmdesk ARGS`` in-process against a database in ``tmp_path``."""
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CRMDESK_DB", str(tmp_path / "crm.db"))
    monkeypatch.setenv("CRMDESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CRMDESK_REGION", "FI")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def db_cli(cli: Runner) -> Runner:
    """``cli`` with a freshly initialised database."""
    assert cli("init").code == 0
    return cli
