"""Service calls off the GUI thread, results back on it.

Reads run on a small pool, writes on a single worker (one at a time, in the
order asked). When a write finishes, :attr:`Ops.changes_applied` tells every
pane what changed so each refreshes only what it shows. Errors a user can
act on (:class:`~crmdesk.errors.CrmdeskError`) become one sentence; anything
else is a bug, logged with its traceback, and the user gets a short apology.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from crmdesk.config import paths
from crmdesk.errors import CrmdeskError
from crmdesk.ui.bridge import Bridge

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass(frozen=True)
class ChangeSet:
    """What a write changed, so panes refresh only what they show."""

    contact_ids: frozenset[str] = frozenset()
    contact_list: bool = False  # rows added, removed or renamed
    followups: bool = False
    everything: bool = False

    @classmethod
    def for_contact(
        cls, contact_id: str, *, listed: bool = False, followups: bool = False
    ) -> ChangeSet:
        """Changes to one contact (``listed``: its list row changed too)."""
        return cls(frozenset({contact_id}), contact_list=listed, followups=followups)

    def touches(self, contact_id: str | None) -> bool:
        """True when the card of ``contact_id`` must be reloaded."""
        return self.everything or (contact_id is not None and contact_id in self.contact_ids)


def describe(exc: BaseException) -> str:
    """One sentence for the user: the error's own for a known problem, else an apology."""
    if isinstance(exc, CrmdeskError):
        return str(exc)
    return (
        "Sorry, something went wrong that should not have. "
        f"The details were written to {paths.log_dir() / 'crmdesk.log'}."
    )


class Progress:
    """Handed to long jobs: report progress, ask whether the user cancelled."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self._report = report
        self._cancel = threading.Event()

    def __call__(self, done: int, total: int) -> None:
        self._report(done, total)

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], finish: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self._fn = fn
        self._finish = finish

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost
            self._finish(False, exc)
        else:
            self._finish(True, result)


class Ops(QObject):
    """Runs service calls on worker threads for the GUI."""

    changes_applied = Signal(object)  # ChangeSet
    failed = Signal(str)  # a sentence for the status bar when nobody handled the error
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = Bridge(self)
        self._readers = QThreadPool(self)
        self._readers.setMaxThreadCount(2)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._pending = 0
        self._closed = False
        self._long_jobs: set[Progress] = set()

    @property
    def pending(self) -> int:
        """Jobs started and not yet delivered."""
        return self._pending

    def read(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> None:
        """Run a read on the pool; ``on_done(result)`` runs on the GUI thread."""
        self._start(self._readers, fn, None, on_done, on_error)

    def write(
        self,
        fn: Callable[[], Any],
        changes: ChangeSet | Callable[[Any], ChangeSet],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> None:
        """Run a write on the single writer, then announce ``changes``.

        ``changes`` may be a function of the result (a new contact's id).
        """
        self._start(self._writer, fn, changes, on_done, on_error)

    def long_job(
        self,
        fn: Callable[[Progress], Any],
        on_progress: Callable[[int, int], None],
        changes: ChangeSet,
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> Progress:
        """A long write with progress (delivered on the GUI thread) and cancel."""
        progress = Progress(lambda d, t: self._bridge.post(lambda: on_progress(d, t)))
        self._long_jobs.add(progress)

        def run() -> Any:
            try:
                return fn(progress)
            finally:
                self._long_jobs.discard(progress)

        self._start(self._writer, run, changes, on_done, on_error)
        return progress

    def post(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the GUI thread (callable from any thread)."""
        self._bridge.post(fn)

    def wait(self, msecs: int = 30_000) -> bool:
        """Stop delivering results, cancel long jobs and wait for running ones (on shutdown)."""
        self._closed = True
        for progress in list(self._long_jobs):
            progress.cancel()  # a long job stops after its current batch
        return self._writer.waitForDone(msecs) and self._readers.waitForDone(msecs)

    # -- internals -------------------------------------------------------

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], Any],
        changes: ChangeSet | Callable[[Any], ChangeSet] | None,
        on_done: Done | None,
        on_error: Failed | None,
    ) -> None:
        if self._closed:
            return
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

        def finish(ok: bool, value: Any) -> None:
            self._bridge.post(lambda: self._deliver(ok, value, changes, on_done, on_error))

        pool.start(_Job(fn, finish))

    def _deliver(
        self,
        ok: bool,
        value: Any,
        changes: ChangeSet | Callable[[Any], ChangeSet] | None,
        on_done: Done | None,
        on_error: Failed | None,
    ) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if self._closed:
            return
        if not ok:
            if not isinstance(value, CrmdeskError):
                log.error(
                    "unexpected error in a job", exc_info=(type(value), value, value.__traceback__)
                )
            if on_error is not None:
                on_error(value)
            else:
                self.failed.emit(describe(value))
            return
        if on_done is not None:
            on_done(value)
        if changes is not None:
            self.changes_applied.emit(changes(value) if callable(changes) else changes)
