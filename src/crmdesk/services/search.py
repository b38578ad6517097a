"""Search as you type over names, companies, e-mails, phones, notes and
activity text (FTS5), ranked, with every word matched as a prefix."""

from __future__ import annotations

from sqlalchemy import text

from crmdesk.services.contact_queries import summaries_by_num
from crmdesk.services.context import Context
from crmdesk.services.views import ContactSummary
from crmdesk.store import fts

# Above this many matches ranking every hit costs more than a keystroke may;
# such broad queries list name matches alphabetically instead.
RANK_LIMIT = 2_000


class SearchService:
    """Full-text search over contacts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def search(self, query: str, limit: int = 50) -> list[ContactSummary]:
        """The best ``limit`` contacts for what the user typed."""
        expression = fts.match_expression(query)
        if expression is None or limit <= 0:
            return []
        with self.ctx.read() as session:
            hits = session.execute(
                text(
                    "SELECT count(*) FROM (SELECT rowid FROM contact_fts"
                    " WHERE contact_fts MATCH :q LIMIT :cap)"
                ),
                {"q": expression, "cap": RANK_LIMIT + 1},
            ).scalar_one()
            if hits <= RANK_LIMIT:
                nums = list(
                    session.execute(
                        text(
                            f"SELECT rowid FROM contact_fts WHERE contact_fts MATCH :q"
                            f" ORDER BY bm25(contact_fts, {fts.WEIGHTS}) LIMIT :n"
                        ),
                        {"q": expression, "n": limit},
                    ).scalars()
                )
            else:
                nums = self._broad(session, query, expression, limit)
            return summaries_by_num(session, nums)

    def _broad(self, session, query: str, expression: str, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
        """Many matches: names starting with the query first, then other hits."""
        from crmdesk.domain.names import sort_key

        key = sort_key(query)
        nums: list[int] = []
        if key and not fts.PHONE_CHARS.match(query):
            nums = list(
                session.execute(
                    text(
                        "SELECT num FROM contacts WHERE deleted_at IS NULL"
                        " AND sort_key >= :lo AND sort_key < :hi ORDER BY sort_key, num LIMIT :n"
                    ),
                    {"lo": key, "hi": key + "\uffff", "n": limit},
                ).scalars()
            )
        if len(nums) < limit:
            seen = set(nums)
            more = session.execute(
                text("SELECT rowid FROM contact_fts WHERE contact_fts MATCH :q LIMIT :n"),
                {"q": expression, "n": limit * 2},
            ).scalars()
            nums += [n for n in more if n not in seen][: limit - len(nums)]
        return nums
