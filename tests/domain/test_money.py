"""Money: integer minor units, parsing both decimal styles, formatting."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmdesk.domain.money import (
    KNOWN,
    MAX_MINOR,
    Money,
    currency_exponent,
    format_money,
    format_plain,
    multiply,
    parse_amount,
    validate_currency,
)
from crmdesk.errors import ValidationError

NBSP = "\u00a0"


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


# --- the value type -----------------------------------------------------------


def test_arithmetic() -> None:
    assert eur(1250) + eur(750) == eur(2000)
    assert eur(1250) - eur(2000) == eur(-750)
    assert -eur(1250) == eur(-1250)
    assert -eur(0) == eur(0)
    assert sum([eur(1), eur(2), eur(3)], Money.zero("EUR")) == eur(6)


def test_zero() -> None:
    assert Money.zero("JPY") == Money(0, "JPY")
    assert Money.zero("EUR").is_zero
    assert not eur(1).is_zero
    assert not eur(-1).is_zero
    assert (eur(500) - eur(500)).is_zero


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b])
def test_mixing_currencies_is_a_validation_error(op) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="EUR and USD") as caught:
        op(eur(100), Money(100, "USD"))
    assert caught.value.field == "currency"


def test_money_only_combines_with_money() -> None:
    with pytest.raises(TypeError):
        eur(100) + 1  # type: ignore[operator]


def test_money_is_frozen_hashable_and_unordered() -> None:
    amount = eur(100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        amount.minor = 5  # type: ignore[misc]
    assert len({eur(100), eur(100), Money(100, "USD")}) == 2
    with pytest.raises(TypeError):
        _ = eur(1) < eur(2)  # type: ignore[operator]


@pytest.mark.parametrize("bad", [12.5, Decimal("12.5"), "1250", True])
def test_minor_units_must_be_an_int(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "EUR")  # type: ignore[arg-type]


def test_as_decimal_is_exact() -> None:
    assert eur(1250).as_decimal() == Decimal("12.50")
    assert eur(-5).as_decimal() == Decimal("-0.05")
    assert Money(1234, "JPY").as_decimal() == Decimal(1234)
    assert Money(1234, "KWD").as_decimal() == Decimal("1.234")


# --- currencies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("SEK", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("ISK", 0),
        ("CLP", 0),
        ("VND", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("jpy", 0),
    ],
)
def test_currency_exponent(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize(
    ("code", "expected"), [("EUR", "EUR"), ("eur", "EUR"), (" usd ", "USD"), ("Kwd", "KWD")]
)
def test_validate_currency(code: str, expected: str) -> None:
    assert validate_currency(code) == expected


def test_the_common_currencies_are_known() -> None:
    common = "EUR USD GBP SEK NOK DKK CHF JPY PLN CZK HUF RON BGN ISK CAD AUD NZD CNY INR BRL"
    common += " MXN ZAR TRY KRW SGD HKD BHD KWD JOD OMR TND"
    assert set(common.split()) <= KNOWN
    for code in common.split():
        assert validate_currency(code) == code


@pytest.mark.parametrize("code", ["", "EU", "EURO", "XYZ", "E1R", "€", "ÉUR"])
def test_unknown_currencies_are_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="currency code") as caught:
        validate_currency(code)
    assert caught.value.field == "currency"


# --- parse_amount ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12", 1200),
        ("0", 0),
        ("12.50", 1250),
        ("12,50", 1250),
        ("12.5", 1250),
        ("12,5", 1250),
        ("0.05", 5),
        (".50", 50),
        ("12.", 1200),
        ("1 234,50", 123450),
        (f"1{NBSP}234,50", 123450),
        ("1\u202f234,50", 123450),
        ("1,234.50", 123450),
        ("1.234,50", 123450),
        ("1.234.567", 123456700),
        ("1,234,567", 123456700),
        ("1,234,567.89", 123456789),
        ("1.234.567,89", 123456789),
        ("1 234 567", 123456700),
        ("1 234 567.8", 123456780),
        ("1234567,89", 123456789),
        ("-5", -500),
        ("+5", 500),
        ("- 5", -500),
        ("-1.234,50", -123450),
        ("€12.50", 1250),
        ("12,50 €", 1250),
        ("12,50€", 1250),
        ("-€12.50", -1250),
        ("€-12.50", -1250),
        ("EUR 12.50", 1250),
        ("12.50 EUR", 1250),
        ("12.50 eur", 1250),
        ("EUR12", 1200),
        ("  12,50  ", 1250),
        ("٣", 300),  # Arabic-Indic digit three
    ],
)
def test_parse_amount_in_euros(text: str, minor: int) -> None:
    assert parse_amount(text, "EUR") == eur(minor)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234", "JPY", 1234),
        ("1,234", "JPY", 1234),  # no decimals in yen, so the comma groups thousands
        ("1.234", "JPY", 1234),
        ("¥1,234", "JPY", 1234),
        ("1,234,567", "JPY", 1234567),
        ("12.345", "KWD", 12345),
        ("12,345", "KWD", 12345),
        ("1,234.5", "KWD", 1234500),
        ("$1,234.50", "USD", 123450),
        ("£9.99", "GBP", 999),
        ("1'234.50", "CHF", 123450),
        ("12.50", "eur", 1250),
    ],
)
def test_parse_amount_in_other_currencies(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == Money(minor, currency.upper())


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.345", "EUR"), ("12,345", "EUR"), ("0,001", "EUR"), ("1.5", "JPY"), ("1.2345", "KWD")],
)
def test_more_decimals_than_the_currency_has_are_refused(text: str, currency: str) -> None:
    with pytest.raises(ValidationError, match="too many decimals") as caught:
        parse_amount(text, currency)
    assert currency in str(caught.value)
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12abc",
        "1e5",
        "NaN",
        "Infinity",
        ".",
        ",",
        "-",
        "--5",
        "5-",
        "1.2.3",
        "1,2,3",
        "1,23,456",
        "1.234,56.78",
        "1,234.567,89",
        "12 34",
        "1 23",
        "1234 567",
        "12 USD",
        "$ €",
        "12/50",
        "0x10",
        "1_000",
    ],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="is not an amount of money") as caught:
        parse_amount(text, "EUR")
    assert f"'{text}'" in str(caught.value)


@pytest.mark.parametrize("blank", ["", "   "])
def test_empty_amount(blank: str) -> None:
    with pytest.raises(ValidationError, match="cannot be empty"):
        parse_amount(blank, "EUR")


def test_absurdly_large_amounts_are_refused() -> None:
    assert parse_amount("9999999999999.99", "EUR") == eur(MAX_MINOR - 1)
    with pytest.raises(ValidationError, match="too large"):
        parse_amount("10000000000000", "EUR")


# --- multiply -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "quantity", "expected"),
    [
        (8990, Decimal(4), 35960),
        (1000, Decimal("1.5"), 1500),
        (333, Decimal("0.5"), 167),  # 166.5 rounds half up
        (333, Decimal("0.49"), 163),  # 163.17
        (1, Decimal("2.5"), 3),
        (-333, Decimal("0.5"), -167),  # half away from zero
        (199, Decimal("0.333"), 66),  # 66.267
        (1250, Decimal(0), 0),
        (1250, 3, 3750),
    ],
)
def test_multiply_rounds_half_up_to_minor_units(
    unit: int, quantity: Decimal | int, expected: int
) -> None:
    assert multiply(eur(unit), quantity) == eur(expected)


def test_multiply_keeps_the_currency_and_refuses_floats() -> None:
    assert multiply(Money(100, "JPY"), Decimal("1.5")) == Money(150, "JPY")
    with pytest.raises(TypeError):
        multiply(eur(100), 1.5)  # type: ignore[arg-type]


def test_multiply_is_exact_for_large_values() -> None:
    big = MAX_MINOR - 1
    assert multiply(eur(big), Decimal("1000.001")) == eur(big * 1000 + big // 1000 + 1)


# --- formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "decimal", "text"),
    [
        (eur(123450), ".", "1234.50"),
        (eur(-123450), ".", "-1234.50"),
        (eur(5), ".", "0.05"),
        (eur(-5), ".", "-0.05"),
        (eur(0), ".", "0.00"),
        (eur(123450), ",", "1234,50"),
        (Money(1234567, "JPY"), ".", "1234567"),
        (Money(-1234, "KWD"), ".", "-1.234"),
        (Money(5, "KWD"), ",", "0,005"),
    ],
)
def test_format_plain(money: Money, decimal: str, text: str) -> None:
    assert format_plain(money, decimal) == text


@pytest.mark.parametrize(
    ("money", "hint", "text"),
    [
        (eur(123450), "en", "1,234.50 EUR"),
        (eur(123450), "fi", f"1{NBSP}234,50 EUR"),
        (eur(123450), "fi_FI.UTF-8", f"1{NBSP}234,50 EUR"),
        (eur(123450), "et", f"1{NBSP}234,50 EUR"),
        (eur(123450), "sl", f"1{NBSP}234,50 EUR"),
        (eur(123450), "sv", f"1{NBSP}234,50 EUR"),
        (eur(123450), "fr", f"1{NBSP}234,50 EUR"),
        (eur(123450), "pl", f"1{NBSP}234,50 EUR"),
        (eur(123450), "cs", f"1{NBSP}234,50 EUR"),
        (eur(123450), "it", "1.234,50 EUR"),
        (eur(123450), "de", "1.234,50 EUR"),
        (eur(123450), "es", "1.234,50 EUR"),
        (eur(123450), "pt", "1.234,50 EUR"),
        (eur(123450), "nl", "1.234,50 EUR"),
        (eur(123450), "IT", "1.234,50 EUR"),
        (eur(123450), "xx", "1,234.50 EUR"),
        (eur(123450), "", "1,234.50 EUR"),
        (eur(-123456789), "en", "-1,234,567.89 EUR"),
        (eur(-123456789), "fi", f"-1{NBSP}234{NBSP}567,89 EUR"),
        (eur(5), "en", "0.05 EUR"),
        (eur(99999), "de", "999,99 EUR"),
        (eur(100000), "de", "1.000,00 EUR"),
        (Money(1234567, "JPY"), "en", "1,234,567 JPY"),
        (Money(1234567, "JPY"), "fi", f"1{NBSP}234{NBSP}567 JPY"),
        (Money(1234567, "KWD"), "en", "1,234.567 KWD"),
    ],
)
def test_format_money(money: Money, hint: str, text: str) -> None:
    assert format_money(money, hint) == text


def test_format_money_defaults_to_english() -> None:
    assert format_money(eur(123450)) == "1,234.50 EUR"


# --- properties -------------------------------------------------------------------

currencies = st.sampled_from(["EUR", "USD", "SEK", "JPY", "KRW", "KWD", "BHD"])
minors = st.integers(min_value=-(MAX_MINOR - 1), max_value=MAX_MINOR - 1)


@given(minors, currencies, st.sampled_from([".", ","]))
def test_parse_amount_reads_back_format_plain(minor: int, currency: str, decimal: str) -> None:
    money = Money(minor, currency)
    assert parse_amount(format_plain(money, decimal), currency) == money


@given(minors, currencies, st.sampled_from(["en", "fi", "de", "it", "sv", "fr"]))
def test_parse_amount_reads_back_format_money(minor: int, currency: str, hint: str) -> None:
    money = Money(minor, currency)
    assert parse_amount(format_money(money, hint), currency) == money


@given(minors, minors)
def test_addition_matches_integer_arithmetic(a: int, b: int) -> None:
    assert (eur(a) + eur(b)).minor == a + b
    assert (eur(a) - eur(b)) + eur(b) == eur(a)
    negated = -eur(a)
    assert negated.minor == -a
    assert -negated == eur(a)
