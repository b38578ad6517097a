"""GUI tests: real widgets on the offscreen platform, one temporary profile each."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from collections.abc import Iterator
from pathlib import Path

import pytest

from crmdesk.config.settings import Settings
from crmdesk.services.app import Crm

GUI_DIR = Path(__file__).parent

# The offscreen platform plugin has no window system to pass size hints to or
# raise a window in, and says so (each time a shown window's layout changes
# its minimum size; each screen pop). That is the test platform talking, not
# crmdesk: every other Qt warning fails a test.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, logs, ui.ini and the instance socket name live in a temp folder."""
    folder = tmp_path / "home"
    monkeypatch.setenv("CRMDESK_HOME", str(folder))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    return folder


@pytest.fixture
def app(qapp):  # type: ignore[no-untyped-def]
    """The QApplication with crmdesk's names, icon, style sheet and English formats."""
    from crmdesk.ui import fmt
    from crmdesk.ui.main import application

    application()
    fmt.set_locale("en_US")
    return qapp


@pytest.fixture
def ops(app, qtbot):  # type: ignore[no-untyped-def]
    from crmdesk.ui.ops import Ops

    runner = Ops()
    yield runner
    runner.wait()


@pytest.fixture
def settings() -> Settings:
    return Settings(locale="en_US", reminders_enabled=False)


@pytest.fixture
def window(app, qtbot, crm: Crm, ops, settings: Settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The main window over a fresh database, shown and loaded."""
    from crmdesk.ui.main_window import MainWindow

    win = MainWindow(crm, ops, settings, "crm.db")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.contacts.model.ready and ops.pending == 0)
    yield win
    win.close()
