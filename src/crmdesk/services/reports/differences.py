"""Is a difference real or noise? z scores for rates, ranks and counts.

Reports only state a difference when a z score clears :func:`threshold`: at
least 2, and higher when many groups are compared at once (Bonferroni at 5 %),
so data without an effect yields no finding.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from statistics import NormalDist

#: Fewest cases in a group (and in the rest) before it is compared at all.
MIN_GROUP = 20
#: The least |z| that counts as a clear difference.
MIN_Z = 2.0


def threshold(comparisons: int) -> float:
    """The |z| each of ``comparisons`` tests must reach for a 5 % family-wide error."""
    alpha = 0.05 / max(1, comparisons)
    return max(MIN_Z, NormalDist().inv_cdf(1 - alpha / 2))


def proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """Two-proportion z score of ``hits_a/n_a`` against ``hits_b/n_b`` (pooled)."""
    if not n_a or not n_b:
        return 0.0
    pooled = (hits_a + hits_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return 0.0
    return (hits_a / n_a - hits_b / n_b) / math.sqrt(variance)


def rate_z(count_a: int, exposure_a: float, count_b: int, exposure_b: float) -> float:
    """z score of the rate ``count_a/exposure_a`` against ``count_b/exposure_b``.

    Conditional test of two Poisson counts: given their sum, ``count_a`` is
    binomial with the share of the exposure ``a`` had when the rates are equal.
    """
    total = count_a + count_b
    if total == 0 or exposure_a <= 0 or exposure_b <= 0:
        return 0.0
    share = exposure_a / (exposure_a + exposure_b)
    return (count_a - total * share) / math.sqrt(total * share * (1 - share))


class Ranks:
    """Mid-ranks of a sample, for Mann-Whitney z scores of any subset against the rest."""

    def __init__(self, values: Sequence[float]) -> None:
        order = sorted(range(len(values)), key=values.__getitem__)
        self.ranks = [0.0] * len(values)
        ties = 0.0
        start = 0
        while start < len(order):
            end = start
            while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
                end += 1
            for position in range(start, end + 1):
                self.ranks[order[position]] = (start + end) / 2 + 1
            size = end - start + 1
            ties += size**3 - size
            start = end + 1
        self._ties = ties

    def z(self, members: Sequence[int]) -> float:
        """z of the values at indexes ``members`` against all others (positive: larger)."""
        n = len(self.ranks)
        n_a = len(members)
        n_b = n - n_a
        if not n_a or not n_b:
            return 0.0
        u = sum(self.ranks[i] for i in members) - n_a * (n_a + 1) / 2
        variance = n_a * n_b / 12 * ((n + 1) - self._ties / (n * (n - 1)))
        if variance <= 0:
            return 0.0
        return (u - n_a * n_b / 2) / math.sqrt(variance)


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones), or None when there is none."""
    return statistics.median(values) if values else None
