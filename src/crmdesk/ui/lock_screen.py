"""Idle auto-lock: after some minutes without a key press or mouse move, the main
window hides everything behind a lock screen until the passphrase is typed (and,
in a file several people use, until whoever came back says who they are).

While locked, the window shows only the lock screen: other windows (dialogs,
the screen pop) are hidden, the menus, shortcuts and status bar are off, and
screen pops wait until it is unlocked. Ctrl+Shift+L locks at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.errors import WrongPassphrase
from crmdesk.services.app import Crm
from crmdesk.ui.dialogs.passphrase import password_field
from crmdesk.ui.dialogs.sign_in import SignInDialog
from crmdesk.ui.ops import Ops, describe
from crmdesk.ui.widgets.common import error_label, muted, set_invalid, show_error, title_label
from crmdesk.ui.widgets.icons import app_icon

LOCK_SHORTCUT = "Ctrl+Shift+L"
ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class LockScreen(QWidget):
    """The passphrase prompt shown in place of the data."""

    unlock_requested = Signal(str)

    def __init__(self, db_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = title_label(f"{db_name} is locked", 1.4)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = muted("Type the passphrase to see your customers again.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.passphrase = password_field("Passphrase")
        self.passphrase.returnPressed.connect(self._submit)
        self.passphrase.textEdited.connect(lambda: self.show_problem(""))
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.unlock_button)
        self.problem = error_label()
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 60)
        inner = QVBoxLayout(box)
        inner.setSpacing(12)
        for widget in (logo, title, hint):
            inner.addWidget(widget)
        inner.addLayout(row)
        inner.addWidget(self.problem)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)

    def _submit(self) -> None:
        if self.passphrase.text() and self.unlock_button.isEnabled():
            self.unlock_requested.emit(self.passphrase.text())

    def show_problem(self, text: str) -> None:
        set_invalid(self.passphrase, bool(text))
        show_error(self.problem, text)


class IdleLock(QObject):
    """Locks ``window`` after ``minutes`` idle (0: never) and unlocks it with the passphrase."""

    locked_changed = Signal(bool)

    def __init__(self, window: QMainWindow, crm: Crm, ops: Ops, minutes: int, db_name: str) -> None:
        super().__init__(window)
        self._window, self._crm, self._ops = window, crm, ops
        self.locked = False
        self._hidden: list[QWidget] = []
        self._disabled: list[QAction] = []
        self._waiting: list[Callable[[], None]] = []
        self.who: SignInDialog | None = None  # "Who is working?" while it is open
        self.screen = LockScreen(db_name)
        self.screen.unlock_requested.connect(self._try_unlock)
        self._stack = QStackedWidget()
        self._stack.addWidget(window.takeCentralWidget())
        self._stack.addWidget(self.screen)
        window.setCentralWidget(self._stack)
        self.action = QAction("&Lock now", window)
        self.action.setShortcut(QKeySequence(LOCK_SHORTCUT))
        self.action.setStatusTip("Hide everything until the passphrase is typed")
        self.action.triggered.connect(lambda _checked=False: self.lock())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.lock)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` without input (0: never)."""
        self._minutes = max(0, minutes)
        self._timer.stop()
        if self._minutes and not self.locked:
            self._timer.start(self._minutes * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.locked and self._minutes and event.type() in ACTIVITY:
            self._timer.start(self._minutes * 60_000)
        return False

    def when_unlocked(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` now, or once the window is unlocked (a screen pop while away)."""
        if self.locked:
            self._waiting.append(fn)
        else:
            fn()

    def lock(self) -> None:
        """Hide every sign of the data behind the lock screen."""
        if self.locked:
            return
        self.locked = True
        self._timer.stop()
        window = self._window
        self._hidden = [
            w
            for w in QApplication.topLevelWidgets()
            if w is not window and w.isVisible() and not w.inherits("QMenu")
        ]
        for widget in self._hidden:
            widget.hide()
        self._disabled = [a for a in window.findChildren(QAction) if a.isEnabled()]
        for action in self._disabled:
            action.setEnabled(False)
        window.menuBar().hide()
        window.statusBar().hide()
        self._stack.setCurrentWidget(self.screen)
        self.screen.passphrase.clear()
        self.screen.show_problem("")
        self.screen.passphrase.setFocus()
        self.locked_changed.emit(True)

    def _try_unlock(self, passphrase: str) -> None:
        self.screen.unlock_button.setEnabled(False)
        crm = self._crm

        def check() -> bool:
            crm.check_passphrase(passphrase)
            return crm.users.needs_sign_in()

        self._ops.read(check, self._passphrase_right, self._refused)

    def _passphrase_right(self, ask_who: bool) -> None:
        """In a file several people use, whoever comes back says who they are."""
        if not ask_who:
            self._unlocked()
            return
        self.who = SignInDialog(self._crm, self._ops, self._window)
        self.who.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.who.accepted.connect(self._unlocked)
        self.who.rejected.connect(self._not_signed_in)
        self.who.open()

    def _not_signed_in(self) -> None:
        self.who = None
        self.screen.unlock_button.setEnabled(True)
        self.screen.passphrase.clear()
        self.screen.show_problem("Choose who is working to see the customers again.")
        self.screen.passphrase.setFocus()

    def _refused(self, exc: BaseException) -> None:
        self.screen.unlock_button.setEnabled(True)
        if isinstance(exc, WrongPassphrase):
            self.screen.show_problem("That is not the passphrase. Check it and try again.")
        else:
            self.screen.show_problem(describe(exc))
        self.screen.passphrase.selectAll()
        self.screen.passphrase.setFocus()

    def _unlocked(self, _result: object = None) -> None:
        self.who = None
        self.screen.unlock_button.setEnabled(True)
        self.screen.passphrase.clear()
        self.locked = False
        window = self._window
        self._stack.setCurrentIndex(0)
        window.menuBar().show()
        window.statusBar().show()
        for action in self._disabled:
            action.setEnabled(True)
        for widget in self._hidden:
            widget.show()
        self._hidden, self._disabled = [], []
        self.set_minutes(self._minutes)
        self.locked_changed.emit(False)
        waiting, self._waiting = self._waiting, []
        for fn in waiting:
            fn()
