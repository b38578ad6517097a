"""Screen pop: a phone number in any format to the caller's card."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crmdesk.domain import phones
from crmdesk.services.contact_queries import ContactQueries, find_by_phone
from crmdesk.services.context import Context
from crmdesk.services.views import PopResult
from crmdesk.services.visibility import owner_scope, visible
from crmdesk.store.models import Contact

if TYPE_CHECKING:
    from crmdesk.services.upsell import Offer

OfferFinder = Callable[[str], "tuple[Offer, ...]"]


class ScreenPopService:
    """Finding who is calling."""

    def __init__(
        self, ctx: Context, queries: ContactQueries, offers: OfferFinder | None = None
    ) -> None:
        self.ctx = ctx
        self.queries = queries
        self.offers = offers

    def pop(self, number: str) -> PopResult:
        """The caller's card; several matches give candidates, none gives neither."""
        number = number.strip()
        if number.lower().startswith("tel:"):
            number = number[4:].split(";", 1)[0]
        e164, _digits = phones.normalize_for_lookup(number, self.ctx.region)
        with self.ctx.read() as session:
            scope = owner_scope(session, self.ctx.actor_id)
            live = [Contact.deleted_at.is_(None)] + ([visible(scope)] if scope else [])
            ids = find_by_phone(session, number, self.ctx.region, live)
        if len(ids) == 1:
            offers = self.offers(ids[0]) if self.offers else ()
            return PopResult(number, e164, self.queries.card(ids[0], recent=10), offers=offers)
        if not ids:
            return PopResult(number, e164, None)
        return PopResult(number, e164, None, tuple(self.queries.summaries(ids)))
