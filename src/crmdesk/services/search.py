"""Search as you type over names, companies, e-mails, phones, notes and
activity text (FTS5), ranked, with every word matched as a prefix.

List filters (kind, stage, tag, company, owner) are applied in the same SQL,
so a filtered search finds every match, not only those among the top hits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import column, func, select, table, text
from sqlalchemy.orm import Session

from crmdesk.domain.names import sort_key
from crmdesk.services.contact_queries import (
    ContactFilter,
    apply_filter,
    scope_filter,
    summaries_by_num,
)
from crmdesk.services.context import Context
from crmdesk.services.views import ContactSummary
from crmdesk.services.visibility import owner_scope
from crmdesk.store import fts
from crmdesk.store.models import Contact

# Above this many matches ranking every hit costs more than a keystroke may;
# such broad queries list name matches alphabetically instead.
RANK_LIMIT = 2_000

_FTS = table("contact_fts", column("rowid"))
_MATCH = text("contact_fts MATCH :q")
_RANK = text(f"bm25(contact_fts, {fts.WEIGHTS})")


class SearchService:
    """Full-text search over contacts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def search(
        self, query: str, limit: int = 50, flt: ContactFilter | None = None
    ) -> list[ContactSummary]:
        """The best ``limit`` live contacts for what the user typed that pass ``flt``."""
        expression = fts.match_expression(query)
        if expression is None or limit <= 0:
            return []
        with self.ctx.read() as session:
            scope = owner_scope(session, self.ctx.actor_id)
            flt = scope_filter(flt or ContactFilter(), scope, self.ctx.currency)
            if _hits(session, expression, flt) <= RANK_LIMIT:
                stmt = _matching(flt).order_by(_RANK).limit(limit)
                nums = list(session.execute(stmt, {"q": expression}).scalars())
            else:
                nums = _broad(session, query, expression, flt, limit)
            return summaries_by_num(session, nums)


def _matching(flt: ContactFilter) -> Any:
    """Nums of the contacts whose document matches ``:q`` and that pass ``flt``."""
    stmt = select(_FTS.c.rowid).select_from(_FTS).where(_MATCH)
    if flt == ContactFilter():
        return stmt  # the index holds live contacts only; no join needed
    return apply_filter(stmt.join(Contact, Contact.num == _FTS.c.rowid), flt)


def _hits(session: Session, expression: str, flt: ContactFilter) -> int:
    """How many matches, counted up to ``RANK_LIMIT + 1``."""
    capped = _matching(flt).limit(RANK_LIMIT + 1).subquery()
    stmt = select(func.count()).select_from(capped)
    return int(session.execute(stmt, {"q": expression}).scalar_one())


def _broad(
    session: Session, query: str, expression: str, flt: ContactFilter, limit: int
) -> list[int]:
    """Many matches: names starting with the query first, then other hits."""
    key = sort_key(query)
    nums: list[int] = []
    if key and not fts.PHONE_CHARS.match(query):
        stmt = (
            apply_filter(select(Contact.num), flt)
            .where(Contact.sort_key >= key, Contact.sort_key < key + "\uffff")
            .order_by(Contact.sort_key, Contact.num)
            .limit(limit)
        )
        nums = list(session.execute(stmt).scalars())
    if len(nums) < limit:
        seen = set(nums)
        more = session.execute(_matching(flt).limit(limit * 2), {"q": expression}).scalars()
        nums += [n for n in more if n not in seen][: limit - len(nums)]
    return nums
