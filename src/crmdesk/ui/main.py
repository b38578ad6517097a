"""Starting the desktop application (called by ``crmdesk`` / ``crmdesk gui``)."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from crmdesk import instance
from crmdesk.config import paths
from crmdesk.config.settings import load_settings
from crmdesk.ui.dialogs.unlock import UnlockDialog
from crmdesk.ui.ops import Ops
from crmdesk.ui.single_instance import InstanceServer
from crmdesk.ui.widgets.common import STYLE_SHEET
from crmdesk.ui.widgets.icons import app_icon

if TYPE_CHECKING:
    from crmdesk.ui.main_window import MainWindow

log = logging.getLogger("crmdesk.ui")


def _log_file() -> Path:
    return paths.log_dir() / "crmdesk.log"


def setup_logging() -> None:
    """Log to the rotating log file unless something (the CLI) already does."""
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        return
    try:
        _log_file().parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            _log_file(), maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot: log the traceback, show a short apology, keep running."""
    log.error("unexpected error", exc_info=(kind, exc, tb))
    QMessageBox.warning(
        None,
        "crmdesk",
        "Sorry, something went wrong that should not have.\n"
        f"The details were written to {_log_file()}.",
    )


def _check_bindings() -> None:
    """Warn about PySide6 6.12.0 on Python 3.11 (it corrupts None/True refcounts)."""
    import PySide6

    if PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12):
        log.warning("PySide6 6.12.0 on Python 3.11 crashes after a while; install another version")


def application() -> QApplication:
    """The QApplication, with names, icon and the shared style sheet."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("crmdesk")
    app.setApplicationName("crmdesk")
    app.setApplicationDisplayName("crmdesk")
    app.setDesktopFileName("crmdesk")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(STYLE_SHEET)
    return app


def preload_main_window() -> None:
    """Import the main window's modules (about 0.4 s) while the welcome dialog waits.

    Called from the event loop once the dialog is up: the user is reading or
    typing, or the passphrase is being checked on a worker thread (the key
    derivation runs in C without the GIL), so this time is not waited for.
    """
    import crmdesk.ui.main_window  # noqa: F401


def run(db_path: Path | None, *, pop_number: str | None = None, region: str | None = None) -> int:
    """Show the welcome dialog, then the main window; returns the exit code.

    If a crmdesk window is already open for this profile, the request
    (a screen pop, or just "come to the front") is handed to it instead.
    """
    message = {"cmd": "pop", "number": pop_number} if pop_number else {"cmd": "raise"}
    if instance.send_to_running(message):
        return 0
    setup_logging()
    _check_bindings()
    app = application()
    if sys.excepthook is sys.__excepthook__:  # leave a test runner's hook alone
        sys.excepthook = _excepthook
    settings = load_settings()
    ops = Ops()
    server = InstanceServer()
    server.listen()
    pending: list[dict[str, object]] = []
    window: MainWindow | None = None
    unlock = UnlockDialog(ops, settings, db_path, region)

    def on_message(msg: dict[str, object]) -> None:
        if window is not None:
            window.handle_message(msg)
        else:
            pending.append(msg)
            unlock.raise_()
            unlock.activateWindow()

    server.message_received.connect(on_message)
    QTimer.singleShot(0, preload_main_window)
    if not unlock.exec() or unlock.crm is None:
        server.close()
        ops.wait()
        return 0
    crm = unlock.crm
    if crm.users.needs_sign_in():
        from crmdesk.ui.dialogs.sign_in import SignInDialog

        if not SignInDialog(crm, ops).exec():
            server.close()
            ops.wait()
            crm.close()
            return 0
    from crmdesk.ui.main_window import MainWindow

    try:
        window = MainWindow(crm, ops, settings, unlock.path.name if unlock.path else "")
        window.show()
        if pop_number:
            window.pop(pop_number)
        for msg in pending:
            window.handle_message(msg)
        code = app.exec()
    finally:
        server.close()
        ops.wait()
        crm.close()
    return int(code)
