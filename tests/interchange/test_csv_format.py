"""CSV options, locale presets, neutralizing and cell formatting."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdesk.errors import ValidationError
from crmdesk.interchange.csv_format import (
    FORMULA_STARTS,
    CellFormatter,
    CsvOptions,
    neutralize,
    parse_date_format,
    resolve_options,
)
from crmdesk.interchange.csv_writer import CsvWriter
from crmdesk.interchange.records import Labelled, PhoneNumber, PostalAddress, UtcTimestamp


def test_default_is_comma_point_iso_utf8_with_bom() -> None:
    assert resolve_options() == CsvOptions(",", ".", "utf-8-sig", "%Y-%m-%d")


@pytest.mark.parametrize(
    ("locale", "delimiter", "decimal", "day"),
    [
        ("fi_FI", ";", ",", "23.11.2026"),
        ("de_DE", ";", ",", "23.11.2026"),
        ("it_IT", ";", ",", "23/11/2026"),
        ("et_EE", ";", ",", "23.11.2026"),
        ("sl_SI", ";", ",", "23.11.2026"),
        ("en_US", ",", ".", "11/23/2026"),
        ("en_GB", ",", ".", "23/11/2026"),
        ("sv-se", ";", ",", "2026-11-23"),
        ("fi_FI.UTF-8", ";", ",", "23.11.2026"),
    ],
)
def test_locale_presets(locale: str, delimiter: str, decimal: str, day: str) -> None:
    options = resolve_options(locale=locale)
    assert (options.delimiter, options.decimal) == (delimiter, decimal)
    assert CellFormatter(options).cell(date(2026, 11, 23)) == day


def test_explicit_options_override_the_preset() -> None:
    options = resolve_options(
        locale="fi_FI", delimiter="tab", decimal=".", encoding="cp1252", date_format="yyyy-mm-dd"
    )
    assert options == CsvOptions("\t", ".", "cp1252", "%Y-%m-%d")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"locale": "xx_YY"}, "no CSV preset for 'xx_YY'"),
        ({"delimiter": "|"}, "not a delimiter"),
        ({"decimal": ";"}, "not a decimal mark"),
        ({"encoding": "latin-9"}, "not an encoding"),
        ({"date_format": "mm/yyyy"}, "day, month and year"),
    ],
)
def test_bad_options_are_refused_in_one_sentence(kwargs: dict[str, str], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        resolve_options(**kwargs)


def test_date_format_tokens_and_strftime() -> None:
    assert parse_date_format("dd.mm.yyyy") == "%d.%m.%Y"
    assert parse_date_format("DD/MM/YY") == "%d/%m/%y"
    assert parse_date_format("%Y-%m-%d") == "%Y-%m-%d"
    assert parse_date_format("%d %B %Y") == "%d %B %Y"
    assert CellFormatter(CsvOptions(date_format="%d/%m/%y")).cell(date(2026, 1, 5)) == "05/01/26"
    # Any other strftime directive works too (through strftime itself).
    assert CellFormatter(CsvOptions(date_format="%d %b %Y")).cell(date(2026, 1, 5)) == "05 Jan 2026"


@pytest.mark.parametrize("first", sorted(FORMULA_STARTS))
def test_formula_starts_are_neutralized(first: str) -> None:
    assert neutralize(first + "SUM(A1:A9)") == "'" + first + "SUM(A1:A9)"
    assert CellFormatter(CsvOptions()).cell(first + "1") == "'" + first + "1"


def test_harmless_text_is_untouched() -> None:
    for text in ("", "Anna", "1+1", " =1", "'quoted", "Jääskeläinen"):
        assert neutralize(text) == text


def test_numbers_in_both_decimal_styles_stay_numbers() -> None:
    point, comma = CellFormatter(CsvOptions()), CellFormatter(CsvOptions(decimal=","))
    assert point.cell(Decimal("-1234.50")) == "-1234.50"
    assert comma.cell(Decimal("-1234.50")) == "-1234,50"
    assert comma.cell(Decimal("1E+3")) == "1000"  # never scientific notation
    assert comma.cell(-5) == "-5"
    assert point.row([Decimal("-0.50"), -3, None, True, False]) == ["-0.50", -3, None, "yes", "no"]


def test_datetimes_are_local_time(helsinki: None) -> None:
    fmt = CellFormatter(resolve_options(locale="fi_FI"))
    winter = datetime(2026, 1, 15, 22, 30, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 22, 30, 5, tzinfo=UTC)
    assert fmt.cell(winter) == "16.01.2026 00:30:05"
    assert fmt.cell(summer) == "16.07.2026 01:30:05"
    assert fmt.cell(winter.replace(minute=59)) == "16.01.2026 00:59:05"  # cached hour reused
    # Across the spring change: 00:59 UTC is 02:59 EET, 01:00 UTC is 04:00 EEST.
    assert fmt.cell(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "29.03.2026 02:59:00"
    assert fmt.cell(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "29.03.2026 04:00:00"
    # Stored timestamps pass as text and come out the same.
    assert fmt.cell(UtcTimestamp("2026-01-15T22:30:05.120Z")) == "16.01.2026 00:30:05"
    assert fmt.cell(UtcTimestamp("2026-03-29T01:00:00.000Z")) == "29.03.2026 04:00:00"
    assert fmt.row([UtcTimestamp("2026-07-15T22:30:05.000Z")]) == ["16.07.2026 01:30:05"]


def test_part_hour_zones_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30
        time.tzset()
        try:
            fmt = CellFormatter(CsvOptions())
            assert fmt.cell(UtcTimestamp("2026-01-15T18:45:10.000Z")) == "2026-01-16 00:15:10"
            assert fmt.cell(UtcTimestamp("2026-01-15T18:15:10.000Z")) == "2026-01-15 23:45:10"
        finally:
            patch.undo()
            time.tzset()


def test_multi_value_cells_follow_columns_conventions() -> None:
    fmt = CellFormatter(CsvOptions())
    assert fmt.cell([Labelled("work", "a@b.fi"), Labelled("", "c@d.fi")]) == (
        "work : a@b.fi\nc@d.fi"
    )
    assert fmt.cell([PhoneNumber("mobile", "+358 40 123", "+35840123")]) == "mobile : +358 40 123"
    assert fmt.cell([PhoneNumber("", "+358 40 123")]) == "'+358 40 123"
    address = PostalAddress("home", "Katu 1", "00100", "Helsinki", "", "FI")
    assert fmt.cell([address]) == "home : Katu 1 | 00100 | Helsinki |  | FI"
    assert fmt.cell(["b", "a"]) == "b\na"


def _roundtrip(values: list[object], options: CsvOptions) -> list[str]:
    out = io.BytesIO()
    CsvWriter(out, [f"c{i}" for i in range(len(values))], options).write_rows([values])
    text = out.getvalue().decode(options.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter))
    assert len(rows) == 2
    return rows[1]


OPTIONS = st.builds(
    CsvOptions,
    delimiter=st.sampled_from([",", ";", "\t"]),
    decimal=st.sampled_from([".", ","]),
    encoding=st.sampled_from(["utf-8-sig", "utf-8"]),
)


@settings(deadline=None)  # a shared CI machine may pause any example
@given(st.lists(st.text(), min_size=1, max_size=5), OPTIONS)
def test_any_text_survives_write_and_read(texts: list[str], options: CsvOptions) -> None:
    """What ``csv`` reads back is the text, with a quote before a formula start."""
    back = _roundtrip(list(texts), options)
    assert back == [neutralize(t) for t in texts]
    for cell in back:
        assert not cell or cell[0] not in FORMULA_STARTS


@settings(deadline=None)
@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
    st.integers(min_value=-(10**12), max_value=10**12),
    OPTIONS,
)
def test_negative_numbers_stay_numbers(amount: Decimal, count: int, options: CsvOptions) -> None:
    cell, whole = _roundtrip([amount, count], options)
    assert Decimal(cell.replace(options.decimal, ".")) == amount
    assert int(whole) == count
    assert not cell.startswith("'") and not whole.startswith("'")
