"""Reminders: notice when a follow-up falls due.

A single-shot timer is aimed at the next due time (``followups.next_due_after``),
capped at a minute so changes made elsewhere are noticed too. Each check
lists what is due (``followups.list('overdue')``, moved forward by the lead
time) and announces the follow-ups not announced before: in the system tray
when there is one, and always through :attr:`Reminders.due`, which the main
window shows as a banner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from crmdesk.services.app import Crm
from crmdesk.services.views import FollowUpView
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.widgets.icons import app_icon

MAX_WAIT_MS = 60_000
MIN_WAIT_MS = 1_000


class Reminders(QObject):
    """Watches for follow-ups falling due."""

    due = Signal(list)  # list[FollowUpView] newly due

    def __init__(self, crm: Crm, ops: Ops, window: QWidget, lead_minutes: int = 0) -> None:
        super().__init__(window)
        self._crm, self._ops, self._window = crm, ops, window
        self.lead = timedelta(minutes=lead_minutes)
        self._announced: set[tuple[str, datetime]] = set()  # (id, due): a snoozed one comes again
        self._checking = False
        self.enabled = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("crmdesk")
            menu = QMenu(window)
            menu.addAction("Show crmdesk", self._raise_window)
            menu.addAction("Quit", window.close)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self._raise_window())
            self.tray.messageClicked.connect(self._raise_window)
            self.tray.show()
        ops.changes_applied.connect(self._changes)

    def start(self) -> None:
        """Begin watching (the first check announces what is already overdue)."""
        self.enabled = True
        self.check()

    def stop(self) -> None:
        self.enabled = False
        self._timer.stop()
        if self.tray is not None:
            self.tray.hide()

    def check(self) -> None:
        """Look for newly due follow-ups now, on a worker."""
        if not self.enabled or self._checking:
            return
        self._checking = True
        followups, lead = self._crm.followups, self.lead

        def work() -> tuple[list[FollowUpView], datetime | None]:
            now = datetime.now(UTC)
            return followups.list("overdue", now=now + lead), followups.next_due_after(now + lead)

        self._ops.read(work, self._checked, lambda _exc: self._checked(([], None)))

    def _checked(self, result: tuple[list[FollowUpView], datetime | None]) -> None:
        self._checking = False
        if not self.enabled:
            return
        due, next_due = result
        fresh = [f for f in due if (f.id, f.due_at) not in self._announced]
        self._announced.update((f.id, f.due_at) for f in fresh)
        if fresh:
            self.due.emit(fresh)
            if self.tray is not None:
                first = fresh[0]
                more = f" and {len(fresh) - 1} more" if len(fresh) > 1 else ""
                self.tray.showMessage(
                    "Follow-up due",
                    f"{first.contact_name}: {first.text or 'follow up'}{more}",
                    app_icon(),
                )
        wait = MAX_WAIT_MS
        if next_due is not None:
            seconds = (next_due - self.lead - datetime.now(UTC)).total_seconds()
            wait = int(min(MAX_WAIT_MS, max(MIN_WAIT_MS, seconds * 1000 + 500)))
        self._timer.start(wait)

    def _changes(self, changes: ChangeSet) -> None:
        if self.enabled and (changes.followups or changes.everything):
            self._timer.start(MIN_WAIT_MS)  # a new or moved follow-up may be due sooner

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
