"""Big CSV exports on two processes, each writing half the rows to a part file.

Reading and formatting a million rows takes one core about twenty seconds,
so an undated CSV export of at least :data:`PARALLEL_FROM` rows is split at
a rowid: a helper process per part opens the file with the raw key,
reads its rowid range in keyset pages and writes its CSV (the first part
with the header); the parts are then copied into the export, in order. The
text is byte for byte what one process writes.

The parts must come from one snapshot: the parent holds the write lock
(``BEGIN IMMEDIATE``, rolled back: it writes nothing) from choosing the
split point until every helper has begun its read transaction, so nothing
can be committed in between and every helper reads the same state; other
writers wait that second or two. When the lock is busy, or a helper fails,
:func:`write_parts` returns :data:`NOT_SPLIT` and the export runs in one
process instead, which also gives any error its usual wording and row number.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing import connection
from pathlib import Path
from typing import Any, BinaryIO

import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.interchange import columns
from crmdesk.interchange.csv_format import CsvOptions
from crmdesk.interchange.csv_writer import CsvWriter
from crmdesk.services.export_queries import ExportQueries
from crmdesk.store import cipher

#: Undated CSV exports of at least this many rows are written by two processes.
PARALLEL_FROM = 200_000
#: The kinds whose undated rows come in rowid order (contacts page by number
#: and gather their e-mails, phones and tags: not split).
SPLIT_KINDS = ("activities", "payments", "purchases", "followups", "deals")
#: :func:`write_parts` gives this when the export should run in one process.
NOT_SPLIT = -1
_POLL_SECONDS = 0.1

Report = Callable[[int, int], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class Part:
    """What one helper process writes: the rows after ``after`` up to ``upto`` (rowids)."""

    db_path: str
    key: str
    kind: str
    currency: str
    options: CsvOptions
    after: int
    upto: int | None
    limit: int | None
    out: str
    header: bool
    batch_size: int


@dataclass(frozen=True)
class Split:
    """An export that may be split: where it reads from and what it writes."""

    db_path: Path
    key: str
    folder: Path  # where the part files go: beside the export
    kind: str
    currency: str
    options: CsvOptions
    limit: int | None
    batch_size: int


def write_parts(
    split: Split,
    conn: Any,
    total: int,
    out: BinaryIO,
    progress: Report | None,
    cancelled: Cancelled | None,
) -> int | None:
    """Write the export's rows into ``out`` with two helper processes.

    ``conn`` is a connection of the parent outside any transaction, ``total``
    the expected row count. Returns the rows written, None when cancelled,
    or :data:`NOT_SPLIT` when the export should run in one process.
    """
    if split.kind not in SPLIT_KINDS or total < PARALLEL_FROM:
        return NOT_SPLIT
    with ExitStack() as stack:
        names = [_part_file(stack, split.folder) for _ in range(2)]
        helpers = _Helpers()
        stack.callback(helpers.stop)
        try:
            conn.execute("BEGIN IMMEDIATE")  # no commits until every helper has its snapshot
        except sqlcipher.OperationalError:  # busy with another writer: one process then
            return NOT_SPLIT
        try:
            jobs = _jobs(split, ExportQueries(conn, split.currency, None, None), names)
            if not jobs or not helpers.start(jobs, cancelled):
                return None if cancelled is not None and cancelled() else NOT_SPLIT
        finally:
            conn.execute("ROLLBACK")
        rows = helpers.wait(total, progress, cancelled)
        if rows is not None and rows != NOT_SPLIT:
            for name in names:
                with open(name, "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        return rows


def _jobs(split: Split, queries: ExportQueries, names: list[str]) -> list[Part]:
    """The two parts, split at a rowid (at half the ``limit`` when there is one)."""
    middle, limits = None, (None, None)
    if split.limit is not None:
        first = (split.limit + 1) // 2
        middle = queries.rowid_at(split.kind, first)
        limits = (first, split.limit - first)
    if middle is None:  # no limit, or fewer rows than half of it: all rows, split in the middle
        middle, limits = queries.top_rowid(split.kind) // 2, (None, None)
    if middle == 0:
        return []
    return [
        Part(str(split.db_path), split.key, split.kind, split.currency, split.options,
             after, upto, limit, name, after == 0, split.batch_size)
        for after, upto, limit, name in ((0, middle, limits[0], names[0]),
                                         (middle, None, limits[1], names[1]))
    ]  # fmt: skip


class _Helpers:
    """The helper processes of one export, their progress counters and stop flag."""

    def __init__(self) -> None:
        self._mp = multiprocessing.get_context("spawn")  # no fork: the GUI process has threads
        self._stop = self._mp.Event()
        self._processes: list[Any] = []
        self._started: list[Any] = []
        self._done: list[Any] = []

    def start(self, jobs: list[Part], cancelled: Cancelled | None) -> bool:
        """Start a helper per part; True once each has begun reading (its snapshot)."""
        started = self._started = [self._mp.Event() for _ in jobs]  # alive until they end
        self._done = [self._mp.Value("q", 0, lock=False) for _ in jobs]
        self._processes = [
            self._mp.Process(target=_helper, args=(job, ready, done, self._stop), daemon=True)
            for job, ready, done in zip(jobs, started, self._done, strict=True)
        ]
        for process in self._processes:
            process.start()
        while not all(e.is_set() for e in started):
            if any(p.exitcode not in (None, 0) for p in self._processes):
                return False  # one failed before reading
            if cancelled is not None and cancelled():
                return False
            next(e for e in started if not e.is_set()).wait(_POLL_SECONDS)
        return True

    def wait(self, total: int, progress: Report | None, cancelled: Cancelled | None) -> int | None:
        """Rows written once every helper is done; None when cancelled, NOT_SPLIT on failure."""
        while running := [p.sentinel for p in self._processes if p.is_alive()]:
            if cancelled is not None and cancelled():
                return None
            if progress is not None:
                rows = sum(d.value for d in self._done)
                progress(rows, max(total, rows))
            connection.wait(running, _POLL_SECONDS)
        if any(p.exitcode != 0 for p in self._processes):
            return NOT_SPLIT
        if cancelled is not None and cancelled():
            return None
        return sum(d.value for d in self._done)

    def stop(self) -> None:
        """Ask every helper to stop and wait for them to end."""
        self._stop.set()
        for process in self._processes:
            if process.pid is not None:  # started
                process.join()


def _helper(job: Part, started: Any, done: Any, stop: Any) -> None:
    """A helper process: write one part; exit code 1 when it did not finish."""
    try:
        conn = cipher.connect(Path(job.db_path), job.key)
    except Exception:
        raise SystemExit(1) from None
    try:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot is taken
        started.set()
        queries = ExportQueries(conn, job.currency, None, None, rowids=(job.after, job.upto))
        with open(job.out, "wb", buffering=1 << 20) as out:
            writer = CsvWriter(out, columns.BY_KIND[job.kind], job.options, header=job.header)
            for batch in queries.batches(job.kind, limit=job.limit, size=job.batch_size):
                if stop.is_set():
                    raise SystemExit(1)
                done.value += writer.write_rows(batch)
    except Exception:
        raise SystemExit(1) from None
    finally:
        conn.close()


def _part_file(stack: ExitStack, folder: Path) -> str:
    """A temporary part file, removed when ``stack`` closes."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".crmdesk-export-", suffix=".part")
    os.close(fd)
    stack.callback(lambda: Path(name).unlink(missing_ok=True))
    return name
