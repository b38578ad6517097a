"""Multi-value cells: the quick path for one-value cells gives what the full split gives."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from crmdesk.interchange.mapping import Mapping, Target, split_values

_SPLIT = re.compile(r"\s*(?::::|;|,)\s*")


def _full_split(cell: str) -> list[str]:
    parts = cell.splitlines() if "\n" in cell.strip() else _SPLIT.split(cell)
    return [p.strip() for p in parts if p.strip()]


@given(st.text(alphabet=st.sampled_from("ab :;,\n\r\t\x0b\x85\u2028é"), max_size=20))
def test_split_values_is_the_full_split(cell: str) -> None:
    assert split_values(cell) == _full_split(cell)


def test_cells_of_one_value_and_of_several() -> None:
    assert split_values("  +358 40 123 4567 ") == ["+358 40 123 4567"]
    assert split_values(" \t ") == []
    assert split_values("a@x.fi; b@x.fi") == ["a@x.fi", "b@x.fi"]
    assert split_values("* Work ::: * Home") == ["* Work", "* Home"]
    assert split_values("a, b\nc") == ["a, b", "c"]


def test_rows_shorter_or_longer_than_the_header() -> None:
    mapping = Mapping(
        ["First", "Mail", "Phone", "Skip"],
        [Target("first_name"), Target("email"), Target("phone", "mobile"), None],
    )
    short = mapping.apply(2, ["Anna", " "])
    assert short.fields == {"first_name": ["Anna"]} and not short.emails and not short.phones
    long = mapping.apply(3, ["Anna", "a@x.fi", "040 1", "x", "beyond"])
    assert [(e.value, e.label) for e in long.emails] == [("a@x.fi", "")]
    assert [(p.value, p.label) for p in long.phones] == [("040 1", "mobile")]
    assert long.original == ["Anna", "a@x.fi", "040 1", "x", "beyond"]
