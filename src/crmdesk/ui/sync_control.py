"""Sync in the window: a status-bar indicator, Sync now, and sync by itself.

A sync runs as a long job on the writer thread (so it never races a local
edit), with progress in the status bar and Cancel. When a server and a login
are set, it also runs every few minutes; after a failure the wait doubles
(up to an hour) and goes back to normal after a sync that works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from crmdesk.errors import SyncLoginRequired
from crmdesk.services.app import Crm
from crmdesk.ui.ops import ChangeSet, Ops, Progress, describe

if TYPE_CHECKING:
    from crmdesk.sync.engine import SyncEngine, SyncReport

EVERY_MS = 5 * 60 * 1000
MAX_WAIT_MS = 60 * 60 * 1000


def _engine(crm: Crm, **options: Any) -> SyncEngine:
    """A sync engine; its modules (HTTP, protocol, apply) load on first use, off start-up."""
    from crmdesk.sync.engine import SyncEngine

    return SyncEngine(crm, **options)


class SyncControl(QObject):
    """Runs syncs for the window and keeps the indicator up to date."""

    finished = Signal(str)  # a sentence for the status bar
    running_changed = Signal(bool)

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget, every_ms: int = EVERY_MS) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.password: str | None = None  # kept for this session only
        self.every_ms = every_ms
        self.wait_ms = every_ms
        self.label = QLabel()
        self.label.setObjectName("syncIndicator")
        self.progress: Progress | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._automatic)
        self.refresh()

    @property
    def running(self) -> bool:
        return self.progress is not None

    # -- starting and stopping ---------------------------------------------------

    def configure(self, server: str, user: str, password: str) -> None:
        """Remember the server and user (in the database) and the password (in memory)."""
        _engine(self.crm).configure(server, user)
        self.password = password or None
        self.refresh()

    def sync_now(self) -> bool:
        """Start a sync unless one runs; returns whether one started."""
        if self.running:
            return False
        self.timer.stop()
        self.label.setText("Sync: starting…")

        def work(progress: Progress) -> SyncReport:
            def report(stage: str, done: int, total: int | None) -> None:
                progress(done, total or 0)
                self.ops.post(lambda: self.label.setText(f"Sync: {stage} {done:,}…"))

            engine = _engine(self.crm, progress=report, cancelled=progress.cancelled)
            return engine.sync(self.password)

        self.progress = self.ops.long_job(
            work, lambda _d, _t: None, ChangeSet(everything=True), self._done, self._failed
        )
        self.running_changed.emit(True)
        return True

    def cancel(self) -> None:
        """Stop the running sync after its current page (what arrived is kept)."""
        if self.progress is not None:
            self.progress.cancel()
            self.label.setText("Sync: stopping…")

    def start_automatic(self) -> None:
        """Sync by itself every ``every_ms`` while a server and a login are set."""
        crm = self.crm
        self.ops.read(lambda: _engine(crm).state(), self._arm)

    def _arm(self, state: dict[str, str]) -> None:
        if state.get("server_url") and (state.get("token") or self.password):
            self.timer.start(self.wait_ms)

    def _automatic(self) -> None:
        if not self.sync_now():
            self.start_automatic()

    # -- results -----------------------------------------------------------------

    def _done(self, report: SyncReport) -> None:
        self.progress = None
        self.running_changed.emit(False)
        self.wait_ms = self.every_ms
        self.refresh()
        conflicts = f", {report.conflicts} new conflicts" if report.conflicts else ""
        self.finished.emit(
            f"Synced: sent {report.pushed:,} changes, received {report.pulled:,}{conflicts}."
        )
        for warning in report.warnings:
            self.finished.emit(warning)
        if report.duplicates:
            self.finished.emit(
                f"Synced; {report.duplicates} possible duplicates to look at: "
                "Sync ▸ Duplicates… (Ctrl+Shift+D)."
            )
        self.start_automatic()

    def _failed(self, exc: BaseException) -> None:
        self.progress = None
        self.running_changed.emit(False)
        self.refresh()
        self.finished.emit(describe(exc))
        if isinstance(exc, SyncLoginRequired):
            return  # waits for the user to log in again (Sync ▸ Settings)
        self.wait_ms = min(self.wait_ms * 2, MAX_WAIT_MS)
        self.start_automatic()

    def refresh(self) -> None:
        """Read the sync status and show it in the indicator."""
        crm = self.crm
        self.ops.read(lambda: (crm.sync.status(), crm.duplicates.open_count()), self._show)

    def _show(self, found: tuple[Any, int]) -> None:
        status, duplicates = found
        if self.running:
            return
        if not status.server_url:
            self.label.setText("Sync: not set up")
            return
        parts = [f"{status.pending_changes + status.in_flight:,} to send"]
        if status.open_conflicts:
            parts.append(f"{status.open_conflicts} conflicts")
        if duplicates:
            parts.append(f"{duplicates} possible duplicates")
        last = status.last_sync[11:16] if status.last_sync else "never"
        parts.append(f"last {last} UTC" if status.last_sync else "never synced")
        self.label.setText("Sync: " + " · ".join(parts))
        self.label.setToolTip(status.last_error or f"{status.server_url} as {status.username}")
