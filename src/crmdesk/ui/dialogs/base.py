"""What every saving dialog shares: one save at a time, no closing mid-save."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from crmdesk.ui.ops import describe
from crmdesk.ui.widgets.common import show_error


class FormDialog(QDialog):
    """A dialog whose save runs on the writer thread.

    While a save is in flight a second click does nothing and the dialog
    cannot be closed, so the answer always finds its dialog.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._saving = False
        self.save_button: QPushButton | None = None

    @property
    def saving(self) -> bool:
        return self._saving

    def begin_save(self) -> bool:
        """False if a save is already running; else marks one as started."""
        if self._saving:
            return False
        self._saving = True
        if self.save_button is not None:
            self.save_button.setEnabled(False)
        return True

    def end_save(self) -> None:
        """The save finished (or failed): the dialog is usable again."""
        self._saving = False
        if self.save_button is not None:
            self.save_button.setEnabled(True)

    def reject(self) -> None:
        if not self._saving:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saving:
            event.ignore()
        else:
            super().closeEvent(event)


class RecordDialog(FormDialog):
    """A dialog that creates one record and reports its id through ``saved``.

    Subclasses set ``self.problem`` (the inline error label) and pass
    ``_saved``/``_failed`` as the callbacks of their save operation.
    """

    saved = Signal(str)
    problem: QLabel

    def _saved(self, record_id: str) -> None:
        self.end_save()
        self.saved.emit(record_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
