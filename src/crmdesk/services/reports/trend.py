"""Comparing a period with the one before it: change, how sure, and words for it."""

from __future__ import annotations

import math

from crmdesk.domain.money import currency_exponent
from crmdesk.services.periods import Period

#: A change smaller than this (in %) is "about the same", however sure.
SMALL_CHANGE = 5.0
#: |z| a total's change needs before it is called up or down.
SURE_TOTAL = 2.0
#: |z| a group's change needs: stricter, as the biggest of many groups is picked.
SURE_GROUP = 3.0


def change_pct(current: float, previous: float) -> float | None:
    """Change from ``previous`` to ``current`` in %, or None when previous is zero."""
    if previous == 0:
        return None
    return (current - previous) / previous * 100


def change_z(current: float, current_sq: float, previous: float, previous_sq: float) -> float:
    """How many standard errors apart two sums of amounts are.

    Each sum is taken as a compound Poisson total (purchases come at random,
    each of its own size), whose variance is the sum of the squared amounts;
    so a few big orders move less than many orders, and fewer purchases move
    a sum more than many purchases do.
    """
    spread = current_sq + previous_sq
    if spread <= 0:
        return 0.0
    return (current - previous) / math.sqrt(spread)


def is_clear(current: float, previous: float, z: float, sure: float) -> bool:
    """Whether a change is both big enough to matter and unlikely to be noise."""
    pct = change_pct(current, previous)
    big = pct is None or abs(pct) >= SMALL_CHANGE
    return big and abs(z) >= sure and current != previous


def pct_text(pct: float | None) -> str:
    """``+18%``, ``-4%``, or ``new`` when there was nothing before."""
    return "new" if pct is None else f"{pct:+.0f}%"


def previous_phrase(period: Period) -> str:
    """``the previous 12 months`` (a period from the first of a month) or
    ``the previous 30 days``, for findings."""
    start, end = period.start, period.end
    assert start is not None and end is not None
    if start.day != 1:
        return f"the previous {period.days()} days"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return "the previous month" if months == 1 else f"the previous {months} months"


def plural(count: int, word: str) -> str:
    """``1 purchase``, ``2,400 purchases``."""
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def major(minor: int | float, currency: str) -> float:
    """Minor units as a number of whole units for tables (cents to euros)."""
    exponent = currency_exponent(currency)
    return round(minor / 10**exponent, exponent)


def money_text(minor: int | float, currency: str) -> str:
    """``12,400 EUR``: an amount rounded to whole units, for findings."""
    return f"{minor / 10 ** currency_exponent(currency):,.0f} {currency}"
