"""The duplicate keys shared by the importer and the post-sync duplicate finder."""

from __future__ import annotations

import pytest

from crmdesk.domain.duplicates import name_keys, similar_names, within_one_edit


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (("Matti", "Jääskeläinen"), ("matti", "JAASKELAINEN"), True),  # case and accents
        (("M.", "Jääskeläinen"), ("Matti", "Jaaskelainen"), True),  # an initial
        (("Matt", "Virtanen"), ("Matti", "Virtanen"), True),  # a prefix
        (("Matti", "Virtanen"), ("Mattu", "Virtanen"), True),  # one typo in the first name
        (("Matti", "Virtanen"), ("Matti", "Virtane"), True),  # one typo in the last name
        (("Anna-Liisa", "Aho"), ("Anna Liisa", "Aho"), True),  # spacing and punctuation
        (("Matti", "Virtanen"), ("Mikko", "Virtanen"), False),
        (("M.", "Virtanen"), ("Matti", "Virtane"), False),  # two differences
        (("Bo", "Aho"), ("Bo", "Ahl"), False),  # a name under 4 letters must be equal
    ],
)
def test_similar_names(a: tuple[str, str], b: tuple[str, str], similar: bool) -> None:
    assert similar_names(*name_keys(*a), *name_keys(*b)) is similar
    assert similar_names(*name_keys(*b), *name_keys(*a)) is similar


def test_within_one_edit() -> None:
    assert within_one_edit("virtanen", "virtanen")
    assert within_one_edit("virtanen", "virtasen")
    assert within_one_edit("virtanen", "virtanens")
    assert not within_one_edit("virtanen", "virtasesn")
