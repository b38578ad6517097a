"""Printing results: human-readable text, or JSON with ``--json``."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crmdesk.domain.clock import format_local
from crmdesk.domain.money import Money, format_money
from crmdesk.domain.stages import ActivityKind, Stage
from crmdesk.services.views import ActivityView, ContactCard, ContactSummary, FollowUpView


def to_jsonable(value: Any) -> Any:
    """Dataclasses, datetimes and decimals as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def emit_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    json.dump(to_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def money(minor: int | None, currency: str | None) -> str:
    """An amount for people to read."""
    if minor is None or currency is None:
        return ""
    return format_money(Money(minor, currency))


def stage_label(value: str) -> str:
    """``repeat_customer`` -> ``Repeat customer``."""
    try:
        return Stage(value).label
    except ValueError:
        return value


def summary_line(s: ContactSummary) -> str:
    """One contact on one line."""
    kind = "[company] " if s.is_company else ""
    parts = [f"{kind}{s.display_name}"]
    if s.company_name:
        parts.append(f"({s.company_name})")
    extra = "  ".join(p for p in (s.phone, s.email) if p)
    return f"{s.id}  {' '.join(parts)}" + (f"  {extra}" if extra else "")


def activity_line(a: ActivityView) -> str:
    """One timeline entry on one line (lines of a purchase below it)."""
    kind = ActivityKind(a.kind).label if a.kind in ActivityKind._value2member_map_ else a.kind
    head = f"{format_local(a.occurred_at)}  {kind:<9} {a.text}"
    if a.amount_minor is not None:
        head += f"  {money(a.amount_minor, a.currency)}"
    if a.status:
        head += f"  [{a.status.replace('_', ' ')}]"
        if a.resolution:
            head += f" {a.resolution}"
    lines = [head]
    for ln in a.lines:
        lines.append(
            f"{'':28}{ln.quantity} × {ln.description} @ "
            f"{money(ln.unit_price_minor, a.currency)} = "
            f"{money(ln.line_total_minor, a.currency)}"
        )
    return "\n".join(lines)


def followup_line(f: FollowUpView) -> str:
    """One follow-up on one line."""
    mark = "x" if f.done_at else " "
    text = f" {f.text}" if f.text else ""
    repeat = f" (repeats {f.recurrence})" if f.recurrence != "none" else ""
    return f"[{mark}] {f.id}  {format_local(f.due_at)}  {f.contact_name}:{text}{repeat}"


def print_card(card: ContactCard) -> None:
    """The contact card as text."""
    out: list[str] = []
    title = card.display_name + ("  [company]" if card.is_company else "")
    if card.deleted_at:
        title += "  (in the trash)"
    out.append(title)
    out.append("=" * len(title))
    if card.company_name:
        out.append(f"Company:   {card.company_name}" + (f", {card.title}" if card.title else ""))
    out.append(f"Stage:     {stage_label(card.stage)}")
    for p in card.phones:
        out.append(f"Phone:     {p.display}" + (f" ({p.label})" if p.label else ""))
    for e in card.emails:
        out.append(f"E-mail:    {e.address}" + (f" ({e.label})" if e.label else ""))
    for a in card.addresses:
        out.append(f"Address:   {a.one_line()}")
    if card.tags:
        out.append(f"Tags:      {', '.join(card.tags)}")
    for label, value in card.custom:
        out.append(f"{label + ':':<10} {value}")
    for b in card.balances:
        out.append(
            f"Purchases: {money(b.purchased_minor, b.currency)}   "
            f"Paid: {money(b.paid_minor, b.currency)}   "
            f"Balance owed: {money(b.owed_minor, b.currency)}"
        )
    if not card.balances:
        out.append("Balance owed: nothing")
    if card.terms:
        t = card.terms
        terms = []
        if t.payment_terms_days is not None:
            terms.append(f"net {t.payment_terms_days} days")
        if t.credit_limit_minor is not None:
            terms.append(
                f"credit limit {money(t.credit_limit_minor, t.currency)}, "
                f"left {money(t.credit_left_minor, t.currency)}"
            )
        if t.discount_bp:
            terms.append(f"discount {t.discount_bp / 100:g} %")
        if t.price_list:
            terms.append(f"price list {t.price_list}")
        via = f" (via {t.holder_name})" if t.holder_id != card.id else ""
        out.append(f"Terms:     {'; '.join(terms)}{via}")
    if card.notes:
        out.append(f"Notes:     {card.notes}")
    if card.members:
        out.append("")
        out.append("People:")
        out.extend(f"  {summary_line(m)}" for m in card.members)
    if card.open_deals:
        out.append("")
        out.append("Open deals:")
        out.extend(
            f"  {d.id}  {d.title}  {d.stage}  {money(d.value_minor, d.currency)}"
            for d in card.open_deals
        )
    out.append("")
    out.append("Open follow-ups:" if card.open_followups else "Open follow-ups: none")
    out.extend(f"  {followup_line(f)}" for f in card.open_followups)
    if card.open_complaints:
        out.append("Open complaints:")
        out.extend(f"  {activity_line(a)}" for a in card.open_complaints)
    out.append("")
    out.append("Recent activity:" if card.recent_activities else "Recent activity: none yet")
    out.extend(f"  {activity_line(a)}" for a in card.recent_activities)
    out.append("")
    out.append(f"Id: {card.id}")
    print("\n".join(out))


def say(args: Any, data: object, text: str) -> int:
    """Print ``data`` as JSON with ``--json``, else ``text``; returns exit code 0."""
    if args.json:
        emit_json(data)
    else:
        print(text)
    return 0
