"""Why deals are won or lost: win rate and time to close, broken down five ways.

Every deal closed (won or lost) in the period is placed in a group of each
breakdown: the contact's source, the deal's owner, its size (quartiles of the
closed deals' values), how many activities it took (and which kind was logged
most) and how soon the contact first heard from us. The findings name the
groups whose win rate or time to close differs clearly from the rest of the
deals (see :mod:`crmdesk.services.reports.differences`), strongest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import quantiles

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services.reports.base import (
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.differences import (
    MIN_GROUP,
    Ranks,
    median,
    proportion_z,
    threshold,
)
from crmdesk.services.reports.scope import contacts_clause, main_currency, owner_params, whole_units

#: Activities that are sales work (purchases and payments are outcomes, not effort).
WORK_KINDS = ("call", "meeting", "email", "visit", "note")
#: Activities that reach the contact: the first of them is our response.
TOUCH_KINDS = ("call", "meeting", "email", "visit")
#: Activity-count bands: the most activities each holds, and the open-ended last one.
ACTIVITY_BANDS = ((0, "none"), (2, "1-2"), (5, "3-5"))
MANY_ACTIVITIES = "6 or more"
RESPONSE_BANDS = ("same day", "1-3 days", "over 3 days", "none logged")
PLURAL = {"call": "calls", "meeting": "meetings", "email": "e-mails", "visit": "visits"}
OTHER_CURRENCY = "other currency"
MOST_FINDINGS = 3
#: Differences too small to act on are not named, however sure: win rates
#: 5 points apart at least, median days to close a fifth apart.
MIN_RATE_GAP = 0.05
MIN_DAYS_SHARE = 0.2

_WORK = ", ".join(f"'{kind}'" for kind in WORK_KINDS)
_TOUCH = ", ".join(f"'{kind}'" for kind in TOUCH_KINDS)


@dataclass(frozen=True)
class ClosedDeal:
    """One deal closed in the period, with what each breakdown needs."""

    won: bool
    days: float
    value: int | None  # None: not in the main currency
    source: str
    owner: str
    response: str
    activities: int
    main_kind: str


@dataclass(frozen=True)
class Breakdown:
    """One way of grouping the deals: its name, groups in display order, phrase."""

    name: str
    groups: dict[str, list[int]]
    subject: Callable[[str], str]


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Win rate and median days to close per group of the chosen breakdown."""
    deals = closed_deals(session, query)
    currency = main_currency(session)
    breakdowns = {b.name: b for b in _breakdowns(deals, currency)}
    chosen = breakdowns[query.by]
    tables = [_table(f"Closed deals by {query.by}", query.by, chosen, deals)]
    if query.by == "activities":
        tables.append(_table("Closed deals by kind most logged", "kind", breakdowns["kind"], deals))
    rates = [_rate(deals, members) for members in chosen.groups.values()]
    chart = (
        Chart("bar", tuple(chosen.groups), (Series("win rate %", tuple(rates)),), "win rate %")
        if deals
        else None
    )
    return ReportResult(
        name=SPEC.name,
        title=SPEC.title,
        period=query.period,
        tables=tuple(tables),
        chart=chart,
        findings=_findings(deals, list(breakdowns.values())),
    )


def closed_deals(session: Session, query: ReportQuery) -> list[ClosedDeal]:
    """The deals won or lost in the period, on contacts the user may see.

    The work on a deal is the contact's calls, meetings, e-mails, visits and
    notes while it was open; the response is the local calendar days from the
    contact's creation to our first call, meeting, e-mail or visit.
    """
    start, end = query.period.bounds()
    params = {"start": start, "end": end, "currency": main_currency(session)}
    params.update(owner_params(query.owner))
    # CROSS JOIN keeps the deals outermost: the planner would otherwise walk
    # every call and e-mail through the kind index and look its deal up.
    rows = session.execute(
        text(
            "SELECT d.stage = 'won', julianday(d.closed_at) - julianday(d.created_at), "
            "CASE WHEN d.currency = :currency THEN d.value_minor END, c.source, "
            "coalesce(u.display_name, ''), "
            "julianday(date((SELECT min(a.occurred_at) FROM activities a "
            "WHERE a.contact_id = c.id AND a.occurred_at >= c.created_at "
            f"AND a.deleted_at IS NULL AND a.kind IN ({_TOUCH})), 'localtime')) "
            "- julianday(date(c.created_at, 'localtime')), "
            "(SELECT group_concat(a.kind) FROM activities a WHERE a.contact_id = d.contact_id "
            f"AND a.kind IN ({_WORK}) AND a.occurred_at >= d.created_at "
            "AND a.occurred_at < d.closed_at AND a.deleted_at IS NULL) "
            "FROM deals d CROSS JOIN contacts c LEFT JOIN users u ON u.id = d.owner_id "
            "WHERE c.id = d.contact_id AND d.deleted_at IS NULL AND d.stage IN ('won', 'lost') "
            f"AND d.closed_at >= :start AND d.closed_at < :end AND {contacts_clause(query.owner)} "
            "ORDER BY d.closed_at, d.id"
        ),
        params,
    )
    deals = []
    for won, days, value, source, owner, response, worked in rows:
        kinds = Counter(worked.split(",") if worked else ())
        deals.append(
            ClosedDeal(
                won=bool(won),
                days=max(0.0, days),
                value=value,
                source=source or "(no source)",
                owner=owner or "(no owner)",
                response=_response_band(response),
                activities=kinds.total(),
                main_kind=_main_kind(kinds),
            )
        )
    return deals


def _response_band(days: float | None) -> str:
    if days is None:
        return RESPONSE_BANDS[3]
    if days < 1:
        return RESPONSE_BANDS[0]
    return RESPONSE_BANDS[1] if days <= 3 else RESPONSE_BANDS[2]


def _main_kind(counts: Counter[str]) -> str:
    """The kind logged most (ties: the first in :data:`WORK_KINDS`), or ``none``."""
    if not counts:
        return "none"
    return max(WORK_KINDS, key=lambda kind: (counts[kind], -WORK_KINDS.index(kind)))


def _activity_band(count: int) -> str:
    return next((label for most, label in ACTIVITY_BANDS if count <= most), MANY_ACTIVITIES)


def _size_bands(deals: Sequence[ClosedDeal], currency: str) -> tuple[list[str], list[str]]:
    """The size bands (quartiles of value) in order, and each deal's band.

    Deals in another currency than the main one share an ``other currency`` band.
    """
    values = sorted(d.value for d in deals if d.value is not None)
    cuts = sorted(set(quantiles(values, n=4, method="inclusive"))) if len(values) >= 4 else []
    edges = [whole_units(cut, currency) for cut in cuts]
    labels = (
        [
            f"up to {edges[0]} {currency}",
            *(f"{low} to {high} {currency}" for low, high in pairwise(edges)),
            f"over {edges[-1]} {currency}",
        ]
        if cuts
        else ["any size"]
    )
    bands = [
        OTHER_CURRENCY if d.value is None else labels[sum(d.value > cut for cut in cuts)]
        for d in deals
    ]
    return [*labels, OTHER_CURRENCY], bands


def _group(keys: Sequence[str], order: Sequence[str] | None = None) -> dict[str, list[int]]:
    """Deal indexes per key, in ``order`` or by size (largest group first)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[key].append(index)
    ranked = order or sorted(groups, key=lambda key: (-len(groups[key]), key))
    return {key: groups[key] for key in ranked if key in groups}


def _breakdowns(deals: Sequence[ClosedDeal], currency: str) -> list[Breakdown]:
    size_order, sizes = _size_bands(deals, currency)
    return [
        Breakdown(
            "source",
            _group([d.source for d in deals]),
            lambda g: "Deals with no source" if g == "(no source)" else f"Deals from {g}",
        ),
        Breakdown(
            "owner",
            _group([d.owner for d in deals]),
            lambda g: "Deals without an owner" if g == "(no owner)" else f"Deals owned by {g}",
        ),
        Breakdown("size", _group(sizes, size_order), _size_subject),
        Breakdown(
            "activities",
            _group(
                [_activity_band(d.activities) for d in deals],
                [*(label for _, label in ACTIVITY_BANDS), MANY_ACTIVITIES],
            ),
            lambda g: "Deals with no activities" if g == "none" else f"Deals with {g} activities",
        ),
        Breakdown(
            "kind",
            _group([d.main_kind for d in deals]),
            lambda g: f"Deals worked mostly by {PLURAL.get(g, g + 's')}",
        ),
        Breakdown(
            "response", _group([d.response for d in deals], RESPONSE_BANDS), _response_subject
        ),
    ]


def _size_subject(band: str) -> str:
    return f"Deals in {band}" if band == OTHER_CURRENCY else f"Deals of {band}"


def _response_subject(band: str) -> str:
    if band == "none logged":
        return "Deals whose contact never got a call, visit or e-mail"
    if band == "same day":
        return "Deals whose contact heard from us the same day"
    if band == "over 3 days":
        return "Deals whose contact first heard from us after more than 3 days"
    return f"Deals whose contact first heard from us after {band}"


def _rate(deals: Sequence[ClosedDeal], members: Sequence[int]) -> float:
    return round(100 * sum(deals[i].won for i in members) / len(members), 1) if members else 0.0


def _table(title: str, column: str, breakdown: Breakdown, deals: Sequence[ClosedDeal]) -> Table:
    rows = []
    for group, members in breakdown.groups.items():
        won = sum(deals[i].won for i in members)
        days = median([deals[i].days for i in members])
        rows.append(
            (
                group,
                len(members),
                won,
                len(members) - won,
                _rate(deals, members),
                None if days is None else round(days, 1),
            )
        )
    columns = (column, "closed deals", "won", "lost", "win rate %", "median days to close")
    return Table(title, columns, tuple(rows))


def _findings(deals: Sequence[ClosedDeal], breakdowns: Sequence[Breakdown]) -> tuple[str, ...]:
    """The overall figures, then the clearest differences of any group against the rest."""
    if not deals:
        return ("No deals were won or lost in the period.",)
    won = sum(d.won for d in deals)
    overall = (
        f"{len(deals):,} deals closed in the period: {won:,} won ({100 * won / len(deals):.0f}%), "
        f"a median {median([d.days for d in deals]):.0f} days from creation to close."
    )
    ranks = Ranks([d.days for d in deals])
    tests: list[tuple[float, str]] = []
    for breakdown in breakdowns:
        groups = list(breakdown.groups.items())
        # With two groups, each against the rest is one and the same comparison.
        for group, members in groups[:1] if len(groups) == 2 else groups:
            rest = len(deals) - len(members)
            if len(members) < MIN_GROUP or rest < MIN_GROUP:
                continue
            subject = breakdown.subject(group)
            tests.append(_win_test(deals, members, subject))
            tests.append(_cycle_test(deals, members, ranks, subject))
    limit = threshold(len(tests))
    clear = sorted((t for t in tests if abs(t[0]) >= limit), key=lambda t: -abs(t[0]))
    if not clear:
        return (overall, "No breakdown shows a clear difference in win rate or time to close.")
    return (overall, *(sentence for _, sentence in clear[:MOST_FINDINGS]))


def _win_test(
    deals: Sequence[ClosedDeal], members: Sequence[int], subject: str
) -> tuple[float, str]:
    won_in = sum(deals[i].won for i in members)
    won_out = sum(d.won for d in deals) - won_in
    n_in, n_out = len(members), len(deals) - len(members)
    gap = abs(won_in / n_in - won_out / n_out)
    z = proportion_z(won_in, n_in, won_out, n_out) if gap >= MIN_RATE_GAP else 0.0
    return z, (
        f"{subject} win {100 * won_in / n_in:.0f}% of the time against "
        f"{100 * won_out / n_out:.0f}% for the rest (n={n_in:,})."
    )


def _cycle_test(
    deals: Sequence[ClosedDeal], members: Sequence[int], ranks: Ranks, subject: str
) -> tuple[float, str]:
    inside = set(members)
    days_in = median([deals[i].days for i in members]) or 0.0
    days_out = median([d.days for i, d in enumerate(deals) if i not in inside]) or 0.0
    longer = max(days_in, days_out)
    big = longer > 0 and abs(days_in - days_out) >= MIN_DAYS_SHARE * longer
    return ranks.z(members) if big else 0.0, (
        f"{subject} close in a median {days_in:.0f} days against {days_out:.0f} "
        f"for the rest (n={len(members):,})."
    )


SPEC = ReportSpec(
    name="deals",
    title="Why deals are won or lost",
    description="Win rate and days to close of the deals closed in the period, by source, "
    "owner, size, number of activities or how soon the contact first heard from us.",
    run=run,
    groupings=("source", "owner", "size", "activities", "response"),
)
