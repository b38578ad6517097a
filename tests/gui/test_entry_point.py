"""``crmdesk.ui.main.run``: welcome dialog, main window, a pop given on the command line."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, PhoneInput
from crmdesk.ui.dialogs.unlock import UnlockDialog
from crmdesk.ui.main import run
from crmdesk.ui.main_window import MainWindow

PASSPHRASE = "correct horse battery"


def test_run_unlocks_pops_and_exits(qtbot, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.db"
    crm = Crm.create(path, PASSPHRASE, region="FI")
    crm.contacts.create(
        "person",
        ContactPatch(first_name="Outi", last_name="Rinne", phones=[PhoneInput("040 321 0000")]),
    )
    crm.close()
    seen: dict[str, object] = {}

    def window() -> MainWindow | None:
        return next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and w.isVisible()
            ),
            None,
        )

    def unlock() -> None:
        dialog = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, UnlockDialog) and w.isVisible()
        )
        dialog.open_pass.setText(PASSPHRASE)
        dialog.unlock_button.click()
        QTimer.singleShot(50, check)

    def check() -> None:
        win = window()
        card = win.activity.card if win else None
        if card is None:
            QTimer.singleShot(50, check)
            return
        seen["name"] = card.display_name
        seen["icon"] = not win.windowIcon().isNull()
        win.close()

    QTimer.singleShot(0, unlock)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(QApplication.quit)
    guard.start(20_000)
    assert run(path, pop_number="tel:+358403210000") == 0
    guard.stop()
    assert seen == {"name": "Outi Rinne", "icon": True}
    assert QApplication.applicationName() == "crmdesk"
