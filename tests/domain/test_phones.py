"""Phone numbers: parsing in a default region, E.164, lookup keys, display."""

from __future__ import annotations

import locale

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmdesk.domain import phones
from crmdesk.domain.phones import (
    PhoneNumber,
    default_region,
    format_phone,
    normalize_for_lookup,
    parse_phone,
    reversed_digits,
    validate_region,
)
from crmdesk.errors import ValidationError


def test_finnish_mobile_typed_nationally() -> None:
    assert parse_phone("040 123 4567", "FI") == PhoneNumber(
        raw="040 123 4567", e164="+358401234567", digits="0401234567"
    )
    assert parse_phone("+358 40 123 4567", "IT").national == "040 1234567"


@pytest.mark.parametrize(
    "typed",
    [
        "040 123 4567",
        "0401234567",
        "+358 40 1234567",
        "+358401234567",
        "00358401234567",
        "00358 40 123 4567",
        "+358-40-123-4567",
        "(040) 123 4567",
        "040/1234567",
        "040.123.4567",
    ],
)
def test_every_way_of_typing_a_finnish_number_gives_one_e164(typed: str) -> None:
    assert parse_phone(typed, "FI").e164 == "+358401234567"


def test_region_is_case_insensitive() -> None:
    assert parse_phone("040 123 4567", "fi").e164 == "+358401234567"


def test_international_number_ignores_the_default_region() -> None:
    assert parse_phone("+39 06 1234 5678", "FI").e164 == "+390612345678"
    assert parse_phone("+358 40 1234567", "US").e164 == "+358401234567"


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("06 1234 5678", "IT", "+390612345678"),  # Rome landline keeps its leading 0
        ("347 123 4567", "IT", "+393471234567"),  # Italian mobile
        ("+39 347 123 4567", "SI", "+393471234567"),
        ("5123 4567", "EE", "+37251234567"),  # Estonian mobile
        ("+372 5123 4567", "FI", "+37251234567"),
        ("00372 5123 4567", "FI", "+37251234567"),
        ("041 123 456", "SI", "+38641123456"),  # Slovenian mobile
        ("01 234 5678", "SI", "+38612345678"),  # Ljubljana landline
        ("+386 41 123 456", "IT", "+38641123456"),
        ("09 123 456", "FI", "+3589123456"),  # Helsinki landline
        ("(212) 555-0100", "US", "+12125550100"),
    ],
)
def test_numbers_of_other_countries(typed: str, region: str, e164: str) -> None:
    number = parse_phone(typed, region)
    assert number.e164 == e164
    assert number.raw == typed


def test_raw_is_stripped_and_inner_space_collapsed() -> None:
    number = parse_phone("  040   123\t4567 ", "FI")
    assert number.raw == "040 123 4567"
    assert number.digits == "0401234567"


@pytest.mark.parametrize("typed", ["1234", "12345 678 901 234 56", "112"])
def test_plausible_but_not_possible_numbers_are_kept_without_e164(typed: str) -> None:
    number = parse_phone(typed, "FI")
    assert number.e164 is None
    assert number.raw == typed
    assert number.digits == typed.replace(" ", "")


@pytest.mark.parametrize("region", ["", "ZZ"])
def test_national_number_without_a_known_region_is_kept_without_e164(region: str) -> None:
    number = parse_phone("040 123 4567", region)
    assert number.e164 is None
    assert number.digits == "0401234567"


@pytest.mark.parametrize(
    "typed", ["abc", "040-CALL-ME", "12", "1", "+", "--", "040 123 4567 ext 5"]
)
def test_letters_or_too_few_digits_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_phone(typed, "FI")
    assert str(caught.value) == f"'{typed}' is not a phone number."
    assert caught.value.field == "phone"


@pytest.mark.parametrize("typed", ["", "   ", "\t"])
def test_empty_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="cannot be empty"):
        parse_phone(typed, "FI")


def test_absurdly_long_digit_strings_are_refused() -> None:
    with pytest.raises(ValidationError, match="too many digits"):
        parse_phone("1" * 21, "FI")
    assert parse_phone("1" * 20, "FI").digits == "1" * 20


def test_phone_number_is_frozen() -> None:
    number = parse_phone("040 123 4567", "FI")
    with pytest.raises(AttributeError):
        number.e164 = "+1"  # type: ignore[misc]


# --- lookup --------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["040 1234567", "+358 40 123 4567", "00358401234567"])
def test_normalize_for_lookup_gives_e164_and_digits(typed: str) -> None:
    e164, digits = normalize_for_lookup(typed, "FI")
    assert e164 == "+358401234567"
    assert digits == "".join(c for c in typed if c.isdigit())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1234", (None, "1234")),
        ("45", (None, "45")),  # a fragment to search for
        ("ext 12", (None, "12")),
        ("0401234567", (None, "0401234567")),
    ],
)
def test_normalize_for_lookup_never_raises_when_there_are_digits(
    typed: str, expected: tuple[str | None, str]
) -> None:
    region = "" if typed == "0401234567" else "FI"
    assert normalize_for_lookup(typed, region) == expected


@pytest.mark.parametrize("typed", ["", "  ", "abc", "+-()"])
def test_normalize_for_lookup_needs_digits(typed: str) -> None:
    with pytest.raises(ValidationError, match="no digits"):
        normalize_for_lookup(typed, "FI")


def test_reversed_digits() -> None:
    assert reversed_digits("0401234567") == "7654321040"
    assert reversed_digits("+358 40-12") == "2104853"
    assert reversed_digits("") == ""


def test_suffix_of_a_number_is_a_prefix_of_its_reversed_digits() -> None:
    stored = reversed_digits(parse_phone("+358 40 123 4567", "FI").digits)
    typed = reversed_digits(normalize_for_lookup("123 4567", "FI")[1])
    assert stored.startswith(typed)


@given(st.text(alphabet="0123456789 -()/.+", min_size=1, max_size=30))
def test_any_plausible_number_parses_and_keeps_its_digits(typed: str) -> None:
    digits = "".join(c for c in typed if c.isdigit())
    if not 3 <= len(digits) <= 20:
        return
    number = parse_phone(typed, "FI")
    assert number.digits == digits
    assert reversed_digits(reversed_digits(number.digits)) == digits
    assert number.e164 is None or number.e164.startswith("+")
    assert normalize_for_lookup(typed, "FI") == (number.e164, digits)


def test_digits_of_other_scripts_become_ascii_digits() -> None:
    assert parse_phone("٠٤٠ ١٢٣ ٤٥٦٧", "FI").digits == "0401234567"
    assert reversed_digits("+३५८ ४०") == "04853"


def _fresh_formats(text: str, region: str) -> tuple[str | None, str | None]:
    """What ``phonenumbers`` says, without anything remembered."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, None
    if not (phonenumbers.is_possible_number(number) or phonenumbers.is_valid_number(number)):
        return None, None
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
    )


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="0123456789 -+", min_size=3, max_size=16),
            st.sampled_from(["FI", "IT", "US", "SE", "EE", "SI", "GB"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_remembered_numbers_give_what_phonenumbers_gives(typed: list[tuple[str, str]]) -> None:
    # The same texts in several regions, twice over: a remembered answer must be
    # the one for that text *and* region.
    for text, region in typed * 2:
        for each in (region, "FI"):
            try:
                number = parse_phone(text, each)
            except ValidationError:
                continue
            assert (number.e164, number.national) == _fresh_formats(number.raw, each)


# --- display -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "region", "shown"),
    [
        ("+358401234567", "FI", "040 1234567"),
        ("+358401234567", "fi", "040 1234567"),
        ("+358401234567", "IT", "+358 40 1234567"),
        ("+390612345678", "IT", "06 1234 5678"),
        ("+390612345678", "FI", "+39 06 1234 5678"),
        ("+37251234567", "EE", "5123 4567"),
        ("+38641123456", "SI", "041 123 456"),
        ("+38641123456", "FI", "+386 41 123 456"),
    ],
)
def test_format_phone_national_at_home_international_abroad(
    e164: str, region: str, shown: str
) -> None:
    assert format_phone(e164, "as typed", region) == shown


def test_format_phone_without_e164_shows_it_as_typed() -> None:
    assert format_phone(None, "1234", "FI") == "1234"
    assert format_phone("not a number", "1234", "FI") == "1234"


# --- regions -------------------------------------------------------------------


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LC_ALL", "LC_TELEPHONE", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(locale, "getlocale", lambda *args: (None, None))
    return monkeypatch


@pytest.mark.parametrize(
    ("lang", "region"),
    [
        ("fi_FI.UTF-8", "FI"),
        ("sl_SI.UTF-8", "SI"),
        ("et_EE", "EE"),
        ("it_IT.ISO8859-1", "IT"),
        ("sr_RS@latin", "RS"),
        ("en_GB.UTF-8", "GB"),
        ("C.UTF-8", "US"),
        ("POSIX", "US"),
        ("", "US"),
    ],
)
def test_default_region_from_lang(no_locale: pytest.MonkeyPatch, lang: str, region: str) -> None:
    no_locale.setenv("LANG", lang)
    assert default_region() == region


def test_lc_all_wins_over_lang(no_locale: pytest.MonkeyPatch) -> None:
    no_locale.setenv("LANG", "en_US.UTF-8")
    no_locale.setenv("LC_ALL", "et_EE.UTF-8")
    assert default_region() == "EE"


def test_default_region_falls_back_to_getlocale(no_locale: pytest.MonkeyPatch) -> None:
    no_locale.setenv("LANG", "C.UTF-8")
    no_locale.setattr(locale, "getlocale", lambda *args: ("it_IT", "UTF-8"))
    assert default_region() == "IT"


def test_default_region_survives_a_broken_locale(no_locale: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> tuple[str, str]:
        raise ValueError("unknown locale")

    no_locale.setattr(locale, "getlocale", broken)
    assert default_region() == phones.FALLBACK_REGION == "US"


@pytest.mark.parametrize(("code", "region"), [("fi", "FI"), (" IT ", "IT"), ("Si", "SI")])
def test_validate_region(code: str, region: str) -> None:
    assert validate_region(code) == region


@pytest.mark.parametrize("code", ["", "XX", "FIN", "358", "ZZ"])
def test_validate_region_refuses_unknown_codes(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_region(code)
    assert caught.value.field == "region"
    assert "FI" in str(caught.value)
