"""The z scores behind the deals and complaints findings, against hand-worked values."""

from __future__ import annotations

import pytest

from crmdesk.services.reports.differences import Ranks, proportion_z, rate_z, threshold


def test_two_proportions() -> None:
    # pooled 0.465: sd of the difference sqrt(0.465 * 0.535 * (1/100 + 1/100)) = 0.07054
    assert proportion_z(62, 100, 31, 100) == pytest.approx(0.31 / 0.07054, rel=1e-3)
    assert proportion_z(31, 100, 62, 100) == pytest.approx(-0.31 / 0.07054, rel=1e-3)
    assert proportion_z(0, 10, 0, 10) == 0.0  # nobody won: no spread, no difference
    assert proportion_z(1, 0, 3, 10) == 0.0


def test_rank_sums_with_and_without_ties() -> None:
    # 4, 5, 6 against 1, 2, 3: U = 15 - 6 = 9, mean 4.5, variance 3 * 3 / 12 * 7
    assert Ranks([1, 2, 3, 4, 5, 6]).z([3, 4, 5]) == pytest.approx(4.5 / 5.25**0.5)
    # ranks 1.5 1.5 3.5 3.5: U = 7 - 3 = 4, mean 2, variance 4 / 12 * (5 - 12 / 12)
    assert Ranks([1, 1, 2, 2]).z([2, 3]) == pytest.approx(2 / (4 / 3) ** 0.5)
    assert Ranks([5, 5, 5]).z([0]) == 0.0  # all equal


def test_two_rates_and_the_bar_for_many_comparisons() -> None:
    # 30 events; the first rate had 90 of 990 days: 2.73 expected there, none seen
    expected = 30 * 90 / 990
    sd = (30 * (90 / 990) * (900 / 990)) ** 0.5
    assert rate_z(0, 90, 30, 900) == pytest.approx(-expected / sd)
    assert rate_z(0, 90, 0, 900) == 0.0
    assert threshold(1) == 2.0  # 1.96 is raised to the least bar
    assert threshold(40) == pytest.approx(3.23, abs=0.01)
