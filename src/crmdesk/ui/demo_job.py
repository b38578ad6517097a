"""File ▸ Generate demo data: a long job with a progress dialog and Cancel."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QInputDialog, QProgressDialog, QWidget

from crmdesk.services.app import Crm
from crmdesk.ui.ops import ChangeSet, Ops, Progress, describe

DEFAULT_COUNT = 1_000


class DemoJob(QObject):
    """Runs ``demo.generate`` on the writer thread; the dialog follows its batches."""

    finished = Signal(str)  # a sentence for the status bar

    def __init__(
        self, parent: QWidget, crm: Crm, ops: Ops, count: int, seed: int | None = None
    ) -> None:
        super().__init__(parent)
        self.count = count
        self.dialog = QProgressDialog(
            f"Adding {count:,} demo contacts…", "Cancel", 0, count, parent
        )
        self.dialog.setWindowTitle("Generate demo data")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setValue(0)
        seed = seed if seed is not None else random.randrange(1, 2**31)

        def work(progress: Progress) -> Any:
            from crmdesk.services import demo  # written by the data team; loaded on demand

            return demo.generate(crm, count, seed, progress=progress, cancelled=progress.cancelled)

        self.progress = ops.long_job(
            work, self._progress, ChangeSet(everything=True), self._done, self._failed
        )
        self.dialog.canceled.connect(self._cancel)

    def _progress(self, done: int, total: int) -> None:
        if self.dialog.maximum() != total:
            self.dialog.setMaximum(total)
        self.dialog.setValue(min(done, total))

    def _cancel(self) -> None:
        self.progress.cancel()
        self.dialog.setLabelText("Stopping after the current batch…")
        self.dialog.show()

    def _close(self) -> None:
        self.dialog.canceled.disconnect(self._cancel)  # closing emits canceled too
        self.dialog.close()
        self.dialog.deleteLater()
        self.deleteLater()

    def _done(self, stats: Any) -> None:
        added = getattr(stats, "contacts", self.count)
        stopped = " (stopped early)" if self.progress.cancelled() else ""
        self._close()
        self.finished.emit(f"Added {added:,} demo contacts{stopped}.")

    def _failed(self, exc: BaseException) -> None:
        self._close()
        self.finished.emit(describe(exc))


def run_demo_dialog(window: Any, crm: Crm, ops: Ops) -> DemoJob | None:
    """Ask how many contacts, then generate them with progress."""
    count, ok = QInputDialog.getInt(
        window,
        "Generate demo data",
        "How many demo contacts? (People and companies with purchases, follow-ups and deals.)",
        DEFAULT_COUNT,
        10,
        1_000_000,
        100,
    )
    if not ok:
        return None
    job = DemoJob(window, crm, ops, count)
    job.finished.connect(window.show_message)
    return job
