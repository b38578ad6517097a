"""Fixtures shared by every test folder; folders add their own in their conftest."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmdesk.services.app import Crm

PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def _private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings, logs and default paths live in a temp folder, never the real profile."""
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path_factory.mktemp("crmdesk-home")))


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[Crm]:
    """A new encrypted database in ``tmp_path`` (region FI, currency EUR)."""
    app = Crm.create(tmp_path / "crm.db", PASSPHRASE, region="FI", currency="EUR")
    try:
        yield app
    finally:
        app.close()
