"""Remember on this computer: the passphrase kept in the OS keyring, and forgotten again.

The operating system's keyring is not there on a test machine, so ``keyring`` is
given a backend that keeps its secrets in memory (a stand-in for the OS service,
behind keyring's own API); everything of crmdesk's runs as in the application.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import Qt

from crmdesk.config.settings import Settings
from crmdesk.services.app import Crm
from crmdesk.ui.dialogs.unlock import UnlockDialog

PASSPHRASE = "a long enough passphrase"


class MemoryKeyring(KeyringBackend):
    """An OS keyring in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("not there")


@pytest.fixture
def ring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def _unlock(qtbot, ops, path: Path, *, remember: bool | None) -> UnlockDialog:  # type: ignore[no-untyped-def]
    dialog = UnlockDialog(ops, Settings(), path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.remember.isVisible)
    if remember is not None:
        if not dialog.open_pass.text():
            qtbot.keyClicks(dialog.open_pass, PASSPHRASE)
        dialog.remember.setChecked(remember)
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.crm is not None)
        dialog.crm.close()
    return dialog


def test_passphrase_remembered_then_forgotten(qtbot, ops, tmp_path: Path, ring) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.db"
    Crm.create(path, PASSPHRASE, region="FI", currency="EUR").close()

    _unlock(qtbot, ops, path, remember=True)
    assert list(ring.secrets.values()) == [PASSPHRASE]

    again = _unlock(qtbot, ops, path, remember=None)
    qtbot.waitUntil(lambda: again.open_pass.text() == PASSPHRASE)
    assert again.remember.isChecked()

    _unlock(qtbot, ops, path, remember=False)  # unticked: not kept any longer
    assert ring.secrets == {}
