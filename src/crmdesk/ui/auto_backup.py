"""Daily automatic backups while the application runs: checked at start and every
hour, written on a worker thread, the oldest removed past the number to keep."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from crmdesk.config import paths
from crmdesk.services import backups
from crmdesk.services.app import Crm
from crmdesk.ui.ops import Ops, describe

CHECK_EVERY_MS = 60 * 60 * 1000
START_DELAY_MS = 30_000  # not while the window is being opened and first used


class AutoBackup(QObject):
    """Backs ``crm`` up into the backup folder once a day, keeping the newest ``keep``."""

    written = Signal(str)  # a sentence for the status bar
    failed = Signal(str)

    def __init__(self, crm: Crm, ops: Ops, keep: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops, self.keep = crm, ops, keep
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        """Check soon after start, then every hour."""
        self._timer.start()
        QTimer.singleShot(START_DELAY_MS, self, self.check)

    def check(self) -> None:
        """Write a backup on a worker when one is due (one at a time)."""
        if self._running or self.keep <= 0:
            return
        self._running = True
        crm, keep, folder = self._crm, self.keep, paths.backup_dir()
        self._ops.read(
            lambda: backups.automatic_backup(crm, folder, keep), self._done, self._failed
        )

    def _done(self, path: Path | None) -> None:
        self._running = False
        if path is not None:
            self.written.emit(f"Backed up to {path}.")

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.failed.emit(f"The automatic backup failed: {describe(exc)}")
