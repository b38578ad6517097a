"""Desktop benchmark: start-up to a usable window, keystroke to results, scrolling.

    .venv/bin/python tests/benchmarks/gui_bench.py [--contacts 1000000] [--keep DIR]

Uses the demo database of ``run.py`` (built on first use, reused from
``--keep DIR``). Each start-up runs in a fresh process: the clock starts
before Python imports PySide6 and crmdesk and stops when the main window is
shown with its first contacts and the follow-ups loaded. It follows the
application's own path with the passphrase entered at once: the database is
unlocked on a worker thread while the GUI thread loads the main window's
modules (``ui.main.preload_main_window``). Opening the first contact's card
is timed next. Keystroke to results: the time from a changed search text to the
results in the list (the typing pause of ``SEARCH_DELAY_MS`` is not
counted; it is a deliberate wait, reported beside). Scrolling: the view is
moved to 200 random depths; each time until the visible rows are painted
with real data. Peak memory is the child process's RSS. Prints Markdown.
Runs offscreen (``QT_QPA_PLATFORM=offscreen``) unless a display is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PASS = "benchmark passphrase"


def idle(app: Any) -> None:
    """One turn of the event loop, then a millisecond's sleep.

    Like an idle event loop, the waiting GUI thread lets go of the GIL: a loop
    that only spins on ``processEvents`` takes it back every few microseconds
    and slows the worker threads it is waiting for two- or threefold.
    """
    from PySide6.QtCore import QEventLoop

    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    time.sleep(0.001)


def child(db: Path, started: float, prefixes: list[str]) -> dict[str, object]:
    """Runs in the measured process: open, show, then type and scroll."""
    import random
    import resource

    from PySide6.QtWidgets import QApplication

    from crmdesk.config.settings import Settings
    from crmdesk.services.app import Crm
    from crmdesk.ui.main import application, preload_main_window
    from crmdesk.ui.ops import Ops

    imported = time.monotonic() - started
    app = application()
    ops = Ops()
    # As the welcome dialog does: the passphrase is checked on a worker thread,
    # while the GUI thread loads the main window's modules (ui.main.run).
    opened: list[Crm] = []
    ops.read(lambda: Crm.open(db, PASS), opened.append)
    preload_main_window()
    from crmdesk.ui.main_window import MainWindow
    from crmdesk.ui.panes import contacts as contacts_pane

    while not opened:
        idle(app)
    crm = opened[0]
    unlocked = time.monotonic() - started
    # No daily backup (it would copy the 5 GB file on a worker 30 s in) and no idle lock.
    window = MainWindow(
        crm,
        ops,
        Settings(locale="en_US", reminders_enabled=False, backup_keep=0, idle_lock_minutes=0),
        db.name,
    )
    followups_loaded: list[bool] = []
    window.followups.loaded.connect(lambda: followups_loaded.append(True))
    window.show()
    pane = window.contacts

    def wait(condition, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + limit
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            idle(app)

    wait(lambda: pane.model.ready and bool(followups_loaded))
    usable = time.monotonic() - started
    card_start = time.perf_counter()
    pane.select_first()
    wait(lambda: window.activity.card is not None)
    first_card = (time.perf_counter() - card_start) * 1000
    wait(lambda: pane.model.rowCount() > 1000 and ops.pending == 0)
    counted = time.monotonic() - started

    keystrokes: dict[int, list[float]] = {1: [], 2: [], 3: [], 4: []}
    for prefix in prefixes:
        start = time.perf_counter()
        pane.search.setText(prefix)
        pane.refresh()  # what the typing-pause timer calls
        wait(lambda prefix=prefix: pane.status.text().endswith(f"for “{prefix}”"))
        keystrokes[len(prefix)].append((time.perf_counter() - start) * 1000)
    pane.search.clear()
    pane.refresh()
    wait(lambda: pane.model.rowCount() > 1000 and ops.pending == 0)

    rng = random.Random(7)
    scrolls: list[float] = []
    view, model = pane.view, pane.model
    for _ in range(200):
        row = rng.randrange(model.rowCount())
        start = time.perf_counter()
        view.scrollTo(model.index(row))
        view.viewport().repaint()
        wait(lambda row=row: model.summary(row) is not None)
        view.viewport().repaint()
        scrolls.append((time.perf_counter() - start) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    ops.wait()
    crm.close()
    QApplication.processEvents()
    return {
        "imported": imported * 1000,
        "unlocked": unlocked * 1000,
        "usable": usable * 1000,
        "counted": counted * 1000,
        "first_card": first_card,
        "keystrokes": keystrokes,
        "scrolls": scrolls,
        "peak_mb": peak_mb,
        "pages_held": model.pages_held,
        "rows": model.rowCount(),
        "search_delay_ms": contacts_pane.SEARCH_DELAY_MS,
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def fmt(ms: float) -> str:
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--keep", help="folder of run.py's demo databases")
    parser.add_argument("--starts", type=int, default=5, help="start-ups to time")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        result = child(Path(spec["db"]), spec["started"], spec["prefixes"])
        print(json.dumps(result))
        return 0

    sys.path.insert(0, str(HERE))
    import run  # the demo database builder and name prefixes

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crmbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"demo-{args.contacts}.db"
    if not db.exists():
        run.build(db, args.contacts)
    import random

    prefixes = run.name_prefixes(random.Random(5), 25)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    with tempfile.TemporaryDirectory(prefix="crmbench-home-") as home:
        env["CRMDESK_HOME"] = home
        for _ in range(args.starts):
            spec = {"db": str(db), "started": time.monotonic(), "prefixes": prefixes}
            done = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def median(key: str) -> float:
        return statistics.median(float(r[key]) for r in results)

    last = results[-1]
    keys = [ms for r in results for ms in r["keystrokes"].values() for ms in ms]
    scrolls = [ms for r in results for ms in r["scrolls"]]
    rows = [
        f"{args.contacts:,} contacts, {len(results)} fresh processes, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"platform `{env['QT_QPA_PLATFORM']}`. Milliseconds; medians over the start-ups.",
        "",
        "| measure | crmdesk | target |",
        "| --- | --- | --- |",
        "| start-up: modules of the welcome dialog loaded (PySide6, services) "
        f"| {fmt(median('imported'))} | |",
        "| start-up: database unlocked (key derivation on a worker thread, "
        f"main window's modules loaded meanwhile) | {fmt(median('unlocked'))} | |",
        f"| **start-up to a usable main window** (contacts, follow-ups) "
        f"| **{fmt(median('usable'))}** | < 1,500 |",
        f"| select the first contact: its card and timeline shown "
        f"| {fmt(median('first_card'))} | |",
        f"| list at full length ({last['rows']:,} rows, scroll bar live) "
        f"| {fmt(median('counted'))} | |",
        f"| **keystroke to results**, {len(keys)} searches of 1-4 letters, p50 / p95 "
        f"| **{fmt(pct(keys, 0.5))} / {fmt(pct(keys, 0.95))}** | < 50 |",
    ]
    for length in ("1", "2", "3", "4"):
        values = [ms for r in results for ms in r["keystrokes"][length]]
        rows.append(
            f"|     {length}-letter prefix, p50 / p95 "
            f"| {fmt(pct(values, 0.5))} / {fmt(pct(values, 0.95))} | < 50 |"
        )
    rows += [
        f"| jump to a random depth and paint real rows, {len(scrolls)} jumps, p50 / p95 "
        f"| {fmt(pct(scrolls, 0.5))} / {fmt(pct(scrolls, 0.95))} | < 16 |",
        f"| peak memory of the application (RSS), max over runs "
        f"| {max(float(r['peak_mb']) for r in results):,.0f} MB | < 400 MB |",
        f"| pages of 200 rows held after 200 jumps | {last['pages_held']} | |",
        "",
        f"The search box waits {last['search_delay_ms']} ms after the last keystroke before "
        "it searches (so fast typing runs one search, not one per letter); that pause is "
        "not part of the figures above.",
    ]
    text = "\n".join(rows)
    print(text)
    (HERE / "latest-gui.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
