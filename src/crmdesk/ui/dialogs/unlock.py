"""Welcome: unlock an existing database or create a new encrypted one.

Opening and creating derive the key (a few hundred milliseconds) on a worker
thread; the dialog stays responsive and says what it is doing. Problems are
shown inline under the fields, in one sentence, and the user can try again.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config import paths
from crmdesk.config.settings import Settings, save_settings
from crmdesk.errors import UnlockThrottled, WrongPassphrase
from crmdesk.services.app import Crm
from crmdesk.store.keyfile import new_recovery_code
from crmdesk.store.throttle import describe_wait
from crmdesk.ui import keyring_store
from crmdesk.ui.dialogs.passphrase import (
    MIN_LENGTH,
    NewPassphrase,
    RecoverDialog,
    RecoveryCodePanel,
    password_field,
)
from crmdesk.ui.ops import Ops, describe
from crmdesk.ui.widgets.common import (
    buddy_label,
    error_label,
    muted,
    set_invalid,
    show_error,
    title_label,
)
from crmdesk.ui.widgets.icons import app_icon


class UnlockDialog(QDialog):
    """Welcome dialog; after ``exec()`` succeeds, :attr:`crm` is the open database."""

    def __init__(
        self, ops: Ops, settings: Settings, path: Path | None = None, region: str | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle("Welcome to crmdesk")
        self.setWindowIcon(app_icon())
        self._ops = ops
        self._settings = settings
        self._region = region
        self.crm: Crm | None = None
        self.path: Path | None = None
        self._busy = False

        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(48, 48))
        header.addWidget(logo)
        titles = QVBoxLayout()
        titles.addWidget(title_label("Welcome to crmdesk", 1.4))
        titles.addWidget(muted("Your customers on your own computer, in one encrypted file."))
        header.addLayout(titles, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._open_page())
        self.pages.addWidget(self._create_page())
        self.recovery = RecoveryCodePanel()
        self.recovery.confirmed.connect(self._recovery_noted)
        self.pages.addWidget(self.recovery)
        self._made: tuple[Crm, Path] | None = None  # created, its recovery code on screen
        self._wait = QTimer(self)
        self._wait.setInterval(1000)
        self._wait.timeout.connect(self._tick)
        self._wait_left = 0
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(self.fontMetrics().height() // 2)
        self.progress.hide()
        self.doing = muted("")
        self.doing.setWordWrap(True)
        self.doing.hide()

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addWidget(self.pages)
        layout.addWidget(self.progress)
        layout.addWidget(self.doing)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        ops.read(keyring_store.available, self._keyring_checked)

        existing = [p for p in settings.recent_databases if Path(p).exists()]
        default = paths.default_database_path()
        if path is not None and path.exists():
            self._show_open(path)
        elif path is not None:
            self._show_create(path)
        elif existing:
            self._show_open(Path(existing[0]))
        elif default.exists():
            self._show_open(default)
        else:
            self._show_create(default)

    # -- pages -----------------------------------------------------------

    def _open_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.open_file = QComboBox()
        self.open_file.setEditable(True)
        self.open_file.setMinimumContentsLength(30)
        for recent in self._settings.recent_databases:
            if Path(recent).exists():
                self.open_file.addItem(recent)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_open)
        row = QHBoxLayout()
        row.addWidget(self.open_file, 1)
        row.addWidget(browse)
        form.addRow(buddy_label("&Database:", self.open_file), row)
        self.open_pass = password_field("Your passphrase")
        self.open_pass.returnPressed.connect(self._unlock)
        self.open_pass.textEdited.connect(lambda: self._open_error(""))
        form.addRow("&Passphrase:", self.open_pass)
        self.open_error = error_label()
        form.addRow("", self.open_error)
        self.remember = QCheckBox("&Remember on this computer")
        self.remember.setToolTip(
            "Keeps the passphrase in your system's keyring so you are not asked again."
        )
        self.remember.setVisible(False)  # until a keyring is found (off the GUI thread)
        self._keyring = False
        form.addRow("", self.remember)

        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        to_create = QPushButton("Create a &new database…")
        to_create.setFlat(True)
        to_create.clicked.connect(lambda: self._show_create(paths.default_database_path()))
        forgot = QPushButton("&Forgot passphrase?")
        forgot.setFlat(True)
        forgot.clicked.connect(self._forgot)
        quit_button = QPushButton("&Quit")
        quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(to_create)
        buttons.addWidget(forgot)
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        buttons.addWidget(self.unlock_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _create_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.create_file = QLineEdit()
        change = QPushButton("Change…")
        change.clicked.connect(self._browse_create)
        row = QHBoxLayout()
        row.addWidget(self.create_file, 1)
        row.addWidget(change)
        form.addRow(buddy_label("&Save in:", self.create_file), row)
        self.new_pass = NewPassphrase(form)
        self.create_pass, self.create_repeat = self.new_pass.passphrase, self.new_pass.repeat
        self.create_error, self.strength_hint = self.new_pass.error, self.new_pass.hint
        self.create_pass.textChanged.connect(self._check_create)
        self.create_repeat.textChanged.connect(self._check_create)
        self.create_repeat.returnPressed.connect(self._create)
        warning = muted(
            "Nobody can open the file without this passphrase. Next you get a recovery "
            "code: the only way back in if the passphrase is ever forgotten."
        )
        warning.setWordWrap(True)
        form.addRow("", warning)

        self.create_button = QPushButton("&Create database")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._create)
        self.to_open = QPushButton("Open an &existing database…")
        self.to_open.setFlat(True)
        self.to_open.clicked.connect(lambda: self._show_open(None))
        quit_button = QPushButton("&Quit")
        quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.to_open)
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        buttons.addWidget(self.create_button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _show_open(self, path: Path | None) -> None:
        if path is not None:
            text = str(path)
            if self.open_file.findText(text) < 0:
                self.open_file.insertItem(0, text)
            self.open_file.setCurrentText(text)
        self.pages.setCurrentIndex(0)
        self.unlock_button.setDefault(True)
        self.open_pass.setFocus()
        self._prefill_from_keyring()

    def _show_create(self, path: Path) -> None:
        self.create_file.setText(str(path))
        self.pages.setCurrentIndex(1)
        self.create_button.setDefault(True)
        self.create_pass.setFocus()
        self._check_create()

    # -- actions ---------------------------------------------------------

    def _browse_open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Open a crmdesk database",
            str(paths.data_dir()),
            "crmdesk database (*.db);;All files (*)",
        )
        if name:
            self._show_open(Path(name))

    def _browse_create(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Where to keep the new database",
            self.create_file.text(),
            "crmdesk database (*.db)",
        )
        if name:
            self.create_file.setText(name)

    def _keyring_checked(self, available: bool) -> None:
        self._keyring = available
        self.remember.setVisible(available)
        self._prefill_from_keyring()

    def _prefill_from_keyring(self) -> None:
        if not self._keyring or not self.open_file.currentText():
            return
        path = Path(self.open_file.currentText())
        self._ops.read(lambda: keyring_store.get(path), self._prefilled)

    def _prefilled(self, passphrase: str | None) -> None:
        if passphrase and not self.open_pass.text():
            self.open_pass.setText(passphrase)
            self.remember.setChecked(True)

    def _check_create(self) -> bool:
        ok = self.new_pass.check()
        self.create_button.setEnabled(ok and not self._busy)
        self.create_button.setToolTip(
            "" if ok else f"Type a passphrase of at least {MIN_LENGTH} characters, twice."
        )
        if self.isVisible():
            self._fit()
        return ok

    def _open_error(self, message: str) -> None:
        set_invalid(self.open_pass, bool(message))
        show_error(self.open_error, message)
        self._fit()

    def _fit(self) -> None:
        """Grow to fit a message that wraps onto more lines (never shrink under the user)."""
        layout = self.layout()
        layout.activate()
        need = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if need > self.height():
            self.resize(self.width(), need)

    def _unlock(self) -> None:
        if self._busy or self._wait.isActive():  # Enter while the wait counts down
            return
        text = self.open_file.currentText().strip()
        passphrase = self.open_pass.text()
        if not text:
            self._open_error("Choose the database file to open.")
            return
        if not passphrase:
            self._open_error("Type the passphrase of this database.")
            return
        path = Path(text).expanduser()
        offered = self._keyring
        remember = offered and self.remember.isChecked()
        region = self._region

        def notice(doing: str) -> None:  # on the worker: shown by the GUI thread
            self._ops.post(lambda: self._set_busy(True, doing))

        def work() -> Crm:
            crm = Crm.open(path, passphrase, region=region, notice=notice)
            if remember:
                keyring_store.remember(path, passphrase)
            elif offered:
                keyring_store.forget(path)  # unticked: do not keep it any longer
            return crm

        self._set_busy(True, "Unlocking…")
        self._ops.read(work, lambda crm: self._done(crm, path), self._failed)

    def _create(self) -> None:
        if self._busy or not self._check_create():
            return
        path = Path(self.create_file.text().strip()).expanduser()
        passphrase, region, code = self.create_pass.text(), self._region, new_recovery_code()

        def work() -> Crm:
            return Crm.create(path, passphrase, region=region, recovery_code=code)

        self._set_busy(True, "Creating and encrypting…")
        self._ops.read(work, lambda crm: self._created(crm, path, code), self._failed)

    def _created(self, crm: Crm, path: Path, code: str) -> None:
        self._set_busy(False)
        self._made = (crm, path)
        self.recovery.show_code(code)
        self.pages.setCurrentIndex(2)
        self._fit()

    def _recovery_noted(self) -> None:
        if self._made is not None:
            crm, path = self._made
            self._made = None
            self._done(crm, path)

    def _forgot(self) -> None:
        path = Path(self.open_file.currentText().strip()).expanduser()
        if not path.is_file():
            self._open_error("Choose the database whose passphrase you forgot.")
            return
        dialog = RecoverDialog(self._ops, path, self._region, self)
        if dialog.exec() and dialog.crm is not None:
            self._done(dialog.crm, path)

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self._wait.stop()
            self._open_error("")
            self.unlock_button.setEnabled(True)
            return
        self._open_error(
            f"Too many wrong passphrases: wait {describe_wait(self._wait_left)}, then try again."
        )

    def _set_busy(self, busy: bool, doing: str = "") -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.progress.setToolTip(doing)
        self.doing.setText(doing)
        self.doing.setVisible(busy and bool(doing))
        self.pages.setEnabled(not busy)
        if not busy:
            self._check_create()

    def _done(self, crm: Crm, path: Path) -> None:
        self._set_busy(False)
        self.crm, self.path = crm, path
        self._settings.remember_database(path)
        with contextlib.suppress(OSError):  # forgetting the recent file is no reason to stop
            save_settings(self._settings)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        message = describe(exc)
        if self.pages.currentIndex() == 0:
            if isinstance(exc, WrongPassphrase):
                message = "That passphrase does not unlock this database. Check it and try again."
            self._open_error(message)
            if isinstance(exc, UnlockThrottled):
                self._wait_left = exc.wait_seconds + 1
                self.unlock_button.setEnabled(False)
                self._tick()
                self._wait.start()
            self.open_pass.selectAll()
            self.open_pass.setFocus()
        else:
            show_error(self.create_error, message)
            self._fit()
            self.create_pass.setFocus()

    def reject(self) -> None:
        if self._busy:
            return
        if self._made is not None:  # made, but closed on its recovery code: still made
            self._made[0].close()
            self._made = None
        super().reject()
