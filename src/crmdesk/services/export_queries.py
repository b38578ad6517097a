"""The rows of each export kind, streamed from the store in keyset-paged batches.

Every batch is one indexed query that starts after the last row of the batch
before, so memory stays flat however many rows there are. Rows are tuples of
typed values (``Decimal`` amounts, ``UtcTimestamp`` times) in the column order
of ``interchange/columns.py``. Without a period, rows come in the order they
were entered, read from the file front to back. With one, activities come in
date order: one stream per kind over the ``(kind, occurred_at)`` index, merged.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from typing import Any

from crmdesk.domain.stages import ActivityKind
from crmdesk.interchange import columns
from crmdesk.services.export_contacts import contact_records
from crmdesk.services.export_values import (
    COMPANY,
    CONTACT_JOINS,
    Batch,
    Row,
    amount,
    moment,
)

BATCH = 2000
#: Below this many rows a progress total is an exact count; above it, an estimate.
EXACT_COUNT_BELOW = 100_000
#: The table each kind's undated pages walk in rowid order.
#: The rowids an undated kind's pages walk, filtered as its pages are.
_ROWIDS_IN_ORDER = {
    "activities": "SELECT a.rowid FROM activities a WHERE a.deleted_at IS NULL",
    "payments": "SELECT a.rowid FROM activities a WHERE +a.kind = 'payment'"
    " AND a.deleted_at IS NULL",
    "purchases": "SELECT l.rowid FROM order_lines l JOIN activities a ON a.id = l.activity_id"
    " WHERE +a.kind = 'purchase' AND a.deleted_at IS NULL",
    "followups": "SELECT f.rowid FROM followups f JOIN contacts c ON c.id = f.contact_id"
    " WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL",
    "deals": "SELECT d.rowid FROM deals d WHERE d.deleted_at IS NULL",
}
_ROWID_TABLE = {
    "activities": "activities",
    "payments": "activities",
    "purchases": "order_lines",
    "followups": "followups",
    "deals": "deals",
}


class ExportQueries:
    """Counts and row batches of every kind, on one raw connection (one snapshot).

    ``start``/``end`` are stored-format UTC bounds (``end`` exclusive) on each
    kind's date: ``created_at`` for contacts, companies and deals,
    ``occurred_at`` for activities, purchases and payments, ``due_at`` for
    follow-ups. ``owner``, when set, keeps only that user's and unowned
    contacts, and the rows of those contacts (see ``visibility``);
    ``contacts``, a JSON array of ids, keeps only those contacts and their rows.
    """

    def __init__(
        self,
        conn: Any,
        default_currency: str,
        start: str | None,
        end: str | None,
        owner: str | None = None,
        rowids: tuple[int, int | None] = (0, None),
        contacts: str | None = None,
    ) -> None:
        self.conn = conn
        self.default_currency = default_currency
        self.start, self.end = start, end
        # Undated kinds other than contacts: only rows whose rowid is after
        # ``rowids[0]`` and up to ``rowids[1]`` (one part of a parallel export).
        self.after_rowid, self.upto_rowid = rowids
        self.owner = owner
        self.contacts = contacts  # a JSON array of contact ids: only their rows
        self._days: dict[str, date] = {}

    def local_day(self, text: str) -> date:
        """The local calendar day of a stored UTC timestamp.

        Worked out once per UTC hour when the local offset is whole hours.
        """
        day = self._days.get(text[:13])
        if day is None:
            local = datetime.fromisoformat(text).astimezone()
            offset = local.utcoffset()
            if offset is None or offset.seconds % 3600:
                return local.date()
            if len(self._days) > 100_000:
                self._days.clear()
            day = self._days[text[:13]] = local.date()
        return day

    # -- public ----------------------------------------------------------

    def count(self, kind: str) -> int:
        """How many rows ``kind`` will give."""
        if kind in ("contacts", "companies"):
            where, params = self._contact_filter(kind)
            sql = f"SELECT count(*) FROM contacts c WHERE {where}"
        elif kind in ("activities", "payments", "purchases"):
            # Without a period a plain scan beats the kind index (no hops across the file).
            where, params = self._period("a.occurred_at")
            if kind != "activities":
                where += " AND a.kind = :kind" if self.dated else " AND +a.kind = :kind"
                params["kind"] = kind[:-1]  # purchases -> purchase
            lines = " JOIN order_lines l ON l.activity_id = a.id" if kind == "purchases" else ""
            sql = f"SELECT count(*) FROM activities a{lines} WHERE a.deleted_at IS NULL{where}"
        elif kind == "followups":
            where, params = self._period("f.due_at")
            sql = (
                "SELECT count(*) FROM followups f JOIN contacts c ON c.id = f.contact_id"
                f" WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL{where}"
            )
        else:
            where, params = self._period("d.created_at")
            sql = f"SELECT count(*) FROM deals d WHERE d.deleted_at IS NULL{where}"
        return int(self.conn.execute(sql, params).fetchone()[0])

    def estimate(self, kind: str) -> int:
        """About how many rows ``kind`` will give, quickly: a total for progress.

        An exact count reads every row (3.6 s of a million-row export), so a
        big undated export takes the highest rowid instead (deleted rows make
        it a little high), and payments count their entries in the kind index.
        Small or dated exports, and contacts, are counted exactly.
        """
        if self.dated or kind not in _ROWID_TABLE:
            return self.count(kind)
        top = self.top_rowid(kind)
        if top < EXACT_COUNT_BELOW:
            return self.count(kind)
        if kind == "payments":  # a third or so of the activities
            sql = "SELECT count(*) FROM activities WHERE kind = 'payment'"
            return int(self.conn.execute(sql).fetchone()[0])
        return top

    def rowid_at(self, kind: str, row: int) -> int | None:
        """The rowid of the ``row``-th row (from 1) of an undated ``kind``; None past the end."""
        sql = _ROWIDS_IN_ORDER[kind]
        found = self.conn.execute(f"{sql} ORDER BY 1 LIMIT 1 OFFSET ?", (row - 1,)).fetchone()
        return None if found is None else int(found[0])

    def top_rowid(self, kind: str) -> int:
        """The highest rowid of the table an undated ``kind`` pages through (0 when empty)."""
        sql = f"SELECT max(rowid) FROM {_ROWID_TABLE[kind]}"
        return int(self.conn.execute(sql).fetchone()[0] or 0)

    def batches(self, kind: str, limit: int | None = None, size: int = BATCH) -> Iterator[Batch]:
        """The rows of ``kind`` in batches of at most ``size`` (``limit`` rows in all)."""
        source: Iterator[Batch]
        if kind in ("contacts", "companies"):
            source = self._contacts(size, kind)
        else:
            streams: dict[str, Callable[[int], Iterator[Batch]]] = {
                "activities": self._activities,
                "purchases": self._purchases,
                "payments": self._payments,
                "followups": self._followups,
                "deals": self._deals,
            }
            source = streams[kind](size)
        left = limit
        for batch in source:
            if left is not None:
                batch = batch[:left]
                left -= len(batch)
            if batch:
                yield batch
            if left == 0:
                return

    # -- filters ---------------------------------------------------------

    def _period(self, column: str) -> tuple[str, dict[str, str]]:
        """Conditions (`` AND ...``) for the period on ``column`` and the owner scope."""
        where, params = self._scope(column.split(".")[0]), self._scope_params()
        if self.start is not None:
            where += f" AND {column} >= :start"
            params["start"] = self.start
        if self.end is not None:
            where += f" AND {column} < :end"
            params["end"] = self.end
        return where, params

    def _upto(self, column: str) -> str:
        return "" if self.upto_rowid is None else f" AND {column} <= {int(self.upto_rowid)}"

    def _scope(self, alias: str) -> str:
        where = ""
        if self.owner is not None:
            if alias == "c":
                where += " AND (c.owner_id = :owner OR c.owner_id IS NULL)"
            else:
                where += (
                    f" AND {alias}.contact_id IN (SELECT id FROM contacts"
                    " WHERE owner_id = :owner OR owner_id IS NULL)"
                )
        if self.contacts is not None:
            column = "c.id" if alias == "c" else f"{alias}.contact_id"
            where += f" AND {column} IN (SELECT value FROM json_each(:contacts))"
        return where

    def _scope_params(self) -> dict[str, str]:
        params = {"owner": self.owner} if self.owner is not None else {}
        if self.contacts is not None:
            params["contacts"] = self.contacts
        return params

    def _contact_filter(self, kind: str) -> tuple[str, dict[str, str]]:
        where, params = self._period("c.created_at")
        if kind == "companies":
            where += " AND c.kind = 'company'"
        return "c.deleted_at IS NULL" + where, params

    def _pages(
        self,
        sql: str,
        params: dict[str, Any],
        size: int,
        key: Callable[[Row], dict[str, Any]],
        full: Callable[[list[Row]], bool] | None = None,
    ) -> Iterator[list[Row]]:
        """Run a keyset query page after page; ``key(last_row)`` gives the next ``after``.

        A page that is not ``full`` (fewer than ``size`` rows) is the last.
        """
        after: dict[str, Any] = params.pop("after")
        while True:
            rows = self.conn.execute(sql, {**params, "size": size, **after}).fetchall()
            if not rows:
                return
            yield rows
            if not (full(rows) if full else len(rows) >= size):
                return
            after = key(rows[-1])

    # -- contacts and companies --------------------------------------------

    def _contacts(self, size: int, kind: str = "contacts") -> Iterator[Batch]:
        where, params = self._contact_filter(kind)
        sql = (
            "SELECT c.num, c.id, c.kind, c.display_name, c.first_name, c.last_name,"
            f" {COMPANY}, c.title, c.stage, c.source, coalesce(u.username, ''), c.website,"
            " c.birthday, c.consent_marketing, c.notes, c.payment_terms_days,"
            " c.credit_limit_minor, c.terms_currency, c.discount_bp, c.created_at, c.updated_at"
            " FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id"
            " LEFT JOIN users u ON u.id = c.owner_id"
            f" WHERE {where} AND c.num > :num ORDER BY c.num LIMIT :size"
        )
        pick = itemgetter(*(columns.CONTACTS if kind == "contacts" else columns.COMPANIES))
        pages = self._pages(sql, {**params, "after": {"num": 0}}, size, lambda r: {"num": r[0]})
        for rows in pages:
            records = contact_records(self.conn, rows, self.default_currency)
            yield [pick(record) for record in records]

    # -- activities, purchases, payments -----------------------------------

    @property
    def dated(self) -> bool:
        """True when a period is set: activities then come in date order."""
        return self.start is not None or self.end is not None

    def _activity_order(self, kind: str | None) -> tuple[str, str, dict[str, Any]]:
        """WHERE (kind, period, keyset) and ORDER BY of activity pages, and their params.

        With a period, the ``(kind, occurred_at)`` index gives date order and
        reads only the period. Without one, pages follow the rowid: the order
        rows were entered in, read from the file front to back (``+a.kind``
        keeps the planner off the kind index there).
        """
        where, params = self._period("a.occurred_at")
        if kind is not None:
            where += " AND a.kind = :kind" if self.dated else " AND +a.kind = :kind"
            params["kind"] = kind
        if self.dated:
            where += " AND (a.occurred_at, a.rowid) > (:at, :rid)"
            order = "a.occurred_at, a.rowid"
        else:
            where += " AND a.rowid > :rid" + self._upto("a.rowid")
            order = "a.rowid"
        return f"a.deleted_at IS NULL{where}", order, params

    def _activity_pages(
        self, select: str, kind: str | None, size: int, extra: str = ""
    ) -> Iterator[list[Row]]:
        """Pages of activities (of one ``kind``); rows start with occurred_at and rowid."""
        where, order, params = self._activity_order(kind)
        sql = (
            f"SELECT a.occurred_at, a.rowid, {select} FROM activities a"
            f" {CONTACT_JOINS.format(t='a')} {extra}"
            f" WHERE {where} ORDER BY {order} LIMIT :size"
        )
        return self._pages(
            sql,
            {**params, "after": {"at": "", "rid": self.after_rowid}},
            size,
            lambda r: {"at": r[0], "rid": r[1]},
        )

    def _activities(self, size: int) -> Iterator[Batch]:
        select = (
            f"a.id, a.kind, a.contact_id, c.display_name, {COMPANY}, a.text, a.amount_minor,"
            " a.currency, a.status, a.resolution, a.resolved_at, coalesce(u.username, '')"
        )
        extra = "LEFT JOIN users u ON u.id = a.user_id"
        pages: Iterator[list[Row]]
        if self.dated:  # one stream per kind over its index, merged into date order
            streams = [
                (row for page in self._activity_pages(select, k.value, size, extra) for row in page)
                for k in ActivityKind
            ]
            merged = heapq.merge(*streams)  # (occurred_at, rowid) come first and are unique
            pages = iter(lambda: list(islice(merged, size)), [])
        else:
            pages = self._activity_pages(select, None, size, extra)
        for batch in pages:
            yield [
                (
                    r[2],
                    moment(r[0]),
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    amount(r[8], r[9]),
                    r[9],
                    r[10],
                    r[11],
                    moment(r[12]),
                    r[13],
                )
                for r in batch
            ]

    def _purchases(self, size: int) -> Iterator[Batch]:
        lines = (
            f"c.display_name, {COMPANY}, l.position, l.description, coalesce(p.sku, ''),"
            " l.quantity, l.unit_price_minor, l.line_total_minor, a.currency"
        )
        joins = f"{CONTACT_JOINS.format(t='a')} LEFT JOIN products p ON p.id = l.product_id"
        if self.dated:  # pages of ``size`` purchases in date order, with all their lines
            where, order, params = self._activity_order("purchase")
            sql = (
                "WITH page AS (SELECT a.rowid AS rid, a.id, a.occurred_at, a.contact_id,"
                f" a.currency FROM activities a WHERE {where} ORDER BY {order} LIMIT :size)"
                f" SELECT a.occurred_at, a.rid, a.id, a.contact_id, {lines}"
                f" FROM page a LEFT JOIN order_lines l ON l.activity_id = a.id {joins}"
                " ORDER BY a.occurred_at, a.rid, l.position"
            )
            pages = self._pages(
                sql,
                {**params, "after": {"at": "", "rid": 0}},
                size,
                lambda r: {"at": r[0], "rid": r[1]},
                lambda rows: len({r[1] for r in rows}) >= size,  # rows are lines
            )
        else:  # order lines front to back: the order purchases were entered in
            sql = (
                f"SELECT a.occurred_at, l.rowid, a.id, a.contact_id, {lines}"
                f" FROM order_lines l JOIN activities a ON a.id = l.activity_id {joins}"
                f" WHERE +a.kind = 'purchase' AND a.deleted_at IS NULL{self._scope('a')}"
                f" AND l.rowid > :rid{self._upto('l.rowid')} ORDER BY l.rowid LIMIT :size"
            )
            params = self._scope_params()
            after = {"rid": self.after_rowid}
            pages = self._pages(sql, {**params, "after": after}, size, lambda r: {"rid": r[1]})
        for rows in pages:
            yield [
                (
                    r[2],
                    self.local_day(r[0]),
                    r[3],
                    r[4],
                    r[5],
                    r[6] + 1,
                    r[7],
                    r[8],
                    Decimal(r[9]),
                    amount(r[10], r[12]),
                    amount(r[11], r[12]),
                    r[12],
                )
                for r in rows
                if r[6] is not None  # a purchase without lines, on a dated page
            ]

    def _payments(self, size: int) -> Iterator[Batch]:
        select = (
            f"a.id, a.contact_id, c.display_name, {COMPANY}, a.amount_minor, a.currency, a.text"
        )
        for rows in self._activity_pages(select, "payment", size):
            yield [
                (
                    r[2],
                    self.local_day(r[0]),
                    r[3],
                    r[4],
                    r[5],
                    amount(r[6], r[7]),
                    r[7],
                    r[8],
                )
                for r in rows
            ]

    # -- follow-ups and deals ----------------------------------------------

    def _followups(self, size: int) -> Iterator[Batch]:
        where, params = self._period("f.due_at")
        sql = (
            "SELECT f.rowid, f.id, f.due_at, f.contact_id, c.display_name, f.text, f.priority,"
            " f.recurrence, coalesce(u.username, ''), f.done_at, f.deal_id"
            " FROM followups f JOIN contacts c ON c.id = f.contact_id"
            " LEFT JOIN users u ON u.id = f.owner_id"
            f" WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL{where} AND f.rowid > :rid"
            f"{self._upto('f.rowid')} ORDER BY f.rowid LIMIT :size"
        )
        after = {"rid": self.after_rowid}
        pages = self._pages(sql, {**params, "after": after}, size, lambda r: {"rid": r[0]})
        for rows in pages:
            yield [
                (r[1], moment(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], moment(r[9]), r[10])
                for r in rows
            ]

    def _deals(self, size: int) -> Iterator[Batch]:
        where, params = self._period("d.created_at")
        sql = (
            "SELECT d.rowid, d.id, d.title, d.contact_id, c.display_name, d.stage, d.value_minor,"
            " d.currency, d.expected_close, coalesce(u.username, ''), d.reason, d.closed_at,"
            " d.created_at FROM deals d JOIN contacts c ON c.id = d.contact_id"
            " LEFT JOIN users u ON u.id = d.owner_id"
            f" WHERE d.deleted_at IS NULL{where} AND d.rowid > :rid{self._upto('d.rowid')}"
            " ORDER BY d.rowid LIMIT :size"
        )
        after = {"rid": self.after_rowid}
        pages = self._pages(sql, {**params, "after": after}, size, lambda r: {"rid": r[0]})
        for rows in pages:
            yield [
                (
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    amount(r[6], r[7]),
                    r[7],
                    _day(r[8]),
                    r[9],
                    r[10],
                    moment(r[11]),
                    moment(r[12]),
                )
                for r in rows
            ]


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
