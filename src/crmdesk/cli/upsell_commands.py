"""``crmdesk upsell`` (what to offer a customer next) and ``crmdesk suggest``
(suggested follow-ups: list, accept, dismiss)."""

from __future__ import annotations

import argparse
from typing import Any

from crmdesk.cli import output
from crmdesk.domain.clock import format_local
from crmdesk.services.app import Crm
from crmdesk.services.upsell import Rule

REF_HELP = "the customer: id, e-mail, phone number (any format) or exact name"


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``upsell`` and ``suggest`` (``make`` builds a sub-parser)."""
    p = make(
        sub,
        "upsell",
        help="what to offer a customer next, from what other customers bought together",
        description="Products a customer has not bought yet that buyers of their products "
        "often buy too, best first, each with the reason. Without CONTACT: every pair of "
        "products bought together often enough to count (at least 5 customers with both, "
        "1.5 times the usual rate, and far more often than chance would give).",
    )
    p.add_argument("ref", metavar="CONTACT", nargs="?", help=REF_HELP)
    p.add_argument("--limit", type=int, default=3, metavar="N", help="at most N offers (3)")

    p = make(
        sub,
        "suggest",
        help="suggested follow-ups: birthdays, quiet customers, complaint check-ins",
        usage="crmdesk suggest [--json]\n       crmdesk suggest accept|dismiss ID",
        description="Follow-ups worth making now: a birthday within 7 days; a customer "
        "who has bought nothing for 1.5 times their usual interval; a complaint resolved "
        "a week ago. Accept one to schedule it as a follow-up, or dismiss it; either way "
        "it is not suggested again.",
    )
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    make(ssub, "accept", help="schedule the suggestion as a follow-up").add_argument(
        "id", metavar="ID", help="the suggestion id (or its first characters)"
    )
    make(ssub, "dismiss", help="do not suggest this again").add_argument(
        "id", metavar="ID", help="the suggestion id (or its first characters)"
    )


def _rule_json(rule: Rule) -> dict[str, Any]:
    figures = {"confidence": rule.confidence, "lift": rule.lift, "support": rule.support}
    return {**output.to_jsonable(rule), **figures, "reason": rule.reason()}


def upsell(crm: Crm, args: argparse.Namespace) -> int:
    """Offers for one customer, or every rule found."""
    if args.ref is None:
        rules = crm.upsell.rules()
        if args.json:
            output.emit_json([_rule_json(r) for r in rules.rules])
            return 0
        if not rules.rules:
            print(
                f"No products are bought together often enough to suggest "
                f"({rules.customers} customers with purchases)."
            )
        for rule in rules.rules:
            print(f"{rule.if_name} → {rule.then_name}: {rule.reason()}.")
            print(f"    {rule.figures()}")
        return 0
    contact_id = crm.queries.resolve(args.ref)
    name = crm.queries.card(contact_id, recent=0).display_name
    offers = crm.upsell.suggest_for(contact_id, limit=args.limit)
    if args.json:
        output.emit_json(
            [
                {"product_id": o.product_id, "product": o.product, "reason": o.reason}
                | {"rule": _rule_json(o.rule)}
                for o in offers
            ]
        )
        return 0
    if not offers:
        print(f"Nothing to offer {name} yet: nothing they bought is often bought with more.")
        return 0
    print(f"Offer {name} next:")
    for n, offer in enumerate(offers, start=1):
        print(f"  {n}. {offer.product} — {offer.reason}")
    return 0


def suggest(crm: Crm, args: argparse.Namespace) -> int:
    """The open suggestions, soonest due first."""
    found = crm.suggestions.list()
    if args.json:
        output.emit_json([{**output.to_jsonable(s), "rule_label": s.rule_label} for s in found])
        return 0
    if not found:
        print("No suggestions right now.")
        return 0
    for s in found:
        print(f"{s.id[:8]}  {s.due.isoformat()}  {s.rule_label:<18} {s.contact_name}: {s.reason}")
    print("Schedule one with: crmdesk suggest accept ID; or: crmdesk suggest dismiss ID.")
    return 0


def suggest_accept(crm: Crm, args: argparse.Namespace) -> int:
    """Make the suggestion's follow-up."""
    followup = crm.followups.get(crm.suggestions.accept(args.id))
    return output.say(
        args,
        followup,
        f"Follow-up for {followup.contact_name} due {format_local(followup.due_at)}: "
        f"{followup.text} (id {followup.id})",
    )


def suggest_dismiss(crm: Crm, args: argparse.Namespace) -> int:
    """Never suggest this occasion again."""
    dismissed = crm.suggestions.dismiss(args.id)
    return output.say(
        args,
        dismissed,
        f"Dismissed: {dismissed.contact_name}, {dismissed.rule_label.lower()}; "
        "it will not be suggested again.",
    )


HANDLERS = {
    "upsell": upsell,
    "suggest": suggest,
    "suggest accept": suggest_accept,
    "suggest dismiss": suggest_dismiss,
}
