"""Run code on the GUI thread from any thread.

Worker results, demo progress and socket messages arrive on other threads;
:meth:`Bridge.post` queues a callable that the GUI thread's event loop runs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot


class Bridge(QObject):
    """Queues callables onto the thread this object lives in (the GUI thread)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the GUI thread soon (safe to call from any thread)."""
        self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], object]) -> None:
        fn()
