"""Names: cleaning, display, accent-free sort keys, validation, initials."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmdesk.domain.names import (
    MAX_COMPANY,
    MAX_PERSON_PART,
    clean_name_part,
    company_sort_key,
    initials,
    person_display_name,
    person_sort_key,
    sort_key,
    validate_company_name,
    validate_person,
)
from crmdesk.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("  Matti  ", "Matti"),
        ("Anna   Liisa", "Anna Liisa"),
        ("Anna\tLiisa\n", "Anna Liisa"),
        ("Jääskeläinen", "Jääskeläinen"),
        ("D'Alessandro", "D'Alessandro"),
        ("O’Brien", "O’Brien"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_clean_name_part(text: str | None, clean: str) -> None:
    assert clean_name_part(text) == clean


def test_clean_name_part_composes_decomposed_accents() -> None:
    decomposed = unicodedata.normalize("NFD", "Kovačič")
    assert len(decomposed) == 9
    assert clean_name_part(decomposed) == "Kovačič"
    assert len(clean_name_part(decomposed)) == 7


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Matti", "Jääskeläinen", "Matti Jääskeläinen"),
        ("Matti", "", "Matti"),
        ("", "Tõnisson", "Tõnisson"),
        (" Anna ", " Kovačič ", "Anna Kovačič"),
        ("", "", ""),
    ],
)
def test_person_display_name(first: str, last: str, shown: str) -> None:
    assert person_display_name(first, last) == shown


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("D'Alessandro", "dalessandro"),
        ("D’Alessandro", "dalessandro"),
        ("Kovačič", "kovacic"),
        ("Tõnisson", "tonisson"),
        ("Jääskeläinen", "jaaskelainen"),
        ("JÄÄSKELÄINEN", "jaaskelainen"),
        ("Ørsted", "orsted"),
        ("Æbeltoft", "aebeltoft"),
        ("Straße", "strasse"),
        ("Đoković", "dokovic"),
        ("Łukasz", "lukasz"),
        ("Þórsdóttir", "thorsdottir"),
        ("Müller-Lüdenscheidt", "muller-ludenscheidt"),
        ("  van   der  Berg ", "van der berg"),
        ("", ""),
    ],
)
def test_sort_key(name: str, key: str) -> None:
    assert sort_key(name) == key


def test_sort_key_ignores_unicode_form() -> None:
    for name in ("Jääskeläinen", "Kovačič", "Tõnisson"):
        assert sort_key(unicodedata.normalize("NFD", name)) == sort_key(name)


def test_sort_key_joins_parts_with_single_spaces_and_skips_empty_ones() -> None:
    assert sort_key("Jääskeläinen", "Matti") == "jaaskelainen matti"
    assert sort_key("", "Matti") == "matti"
    assert sort_key(" Acme ", "", " Oy ") == "acme oy"


def test_person_sort_key_is_last_name_first() -> None:
    assert person_sort_key("Matti", "Jääskeläinen") == "jaaskelainen matti"
    assert person_sort_key("Giulia", "D'Alessandro") == "dalessandro giulia"
    assert person_sort_key("Matti", "") == "matti"
    assert person_sort_key("", "Tõnisson") == "tonisson"


def test_company_sort_key() -> None:
    assert company_sort_key("Ålands Fisk Ab") == "alands fisk ab"


def test_sorting_by_key_ignores_accents_and_case() -> None:
    people = [
        ("Tõnis", "Tõnisson"),
        ("Giulia", "D'Alessandro"),
        ("Ana", "Kovačič"),
        ("Matti", "Jääskeläinen"),
        ("Luca", "de Angelis"),
    ]
    ordered = sorted(people, key=lambda p: person_sort_key(*p))
    assert [last for _, last in ordered] == [
        "D'Alessandro",
        "de Angelis",
        "Jääskeläinen",
        "Kovačič",
        "Tõnisson",
    ]


def test_a_typed_prefix_matches_the_key() -> None:
    assert person_sort_key("Matti", "Jääskeläinen").startswith(sort_key("jaask"))
    assert person_sort_key("Matti", "Jääskeläinen").startswith(sort_key("JÄÄSK"))
    assert sort_key("D'Alessandro").startswith(sort_key("dal"))


@given(st.text(max_size=40))
def test_sort_key_is_idempotent(text: str) -> None:
    once = sort_key(text)
    assert sort_key(once) == once


@given(st.text(max_size=40))
def test_sort_key_has_no_case_accents_or_stray_spaces(text: str) -> None:
    key = sort_key(text)
    assert key == key.strip()
    assert "  " not in key
    assert key.casefold() == key
    assert not any(unicodedata.combining(c) for c in key)
    assert "'" not in key


# --- validation ---------------------------------------------------------------


def test_validate_person_cleans_both_parts() -> None:
    assert validate_person("  Matti ", " Jääskeläinen  ") == ("Matti", "Jääskeläinen")
    assert validate_person("Matti", None) == ("Matti", "")
    assert validate_person(None, "Tõnisson") == ("", "Tõnisson")


@pytest.mark.parametrize(("first", "last"), [("", ""), ("  ", "\t"), (None, None)])
def test_a_person_needs_a_name(first: str | None, last: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_person(first, last)
    assert str(caught.value) == "A person needs a first or last name."
    assert caught.value.field == "last_name"


def test_name_parts_have_a_length_limit() -> None:
    longest = "a" * MAX_PERSON_PART
    assert validate_person(longest, longest) == (longest, longest)
    with pytest.raises(ValidationError, match="first name") as caught:
        validate_person(longest + "a", "Virtanen")
    assert caught.value.field == "first_name"
    with pytest.raises(ValidationError, match="last name") as caught:
        validate_person("Matti", longest + "a")
    assert caught.value.field == "last_name"


def test_length_is_counted_after_cleaning() -> None:
    padded = "  " + "a" * MAX_PERSON_PART + "  "
    assert validate_person(padded, "")[0] == "a" * MAX_PERSON_PART


def test_validate_company_name() -> None:
    assert validate_company_name("  Acme   Oy ") == "Acme Oy"
    assert validate_company_name("x" * MAX_COMPANY) == "x" * MAX_COMPANY
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError, match="needs a name") as caught:
            validate_company_name(blank)
        assert caught.value.field == "company_name"
    with pytest.raises(ValidationError, match="longer than 300"):
        validate_company_name("x" * (MAX_COMPANY + 1))


# --- initials -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Matti Jääskeläinen", "MJ"),
        ("Acme Oy", "AO"),
        ("Madonna", "M"),
        ("ärje östman", "ÄÖ"),
        ("Anna Maria Virtanen", "AV"),
        ("Giulia D'Alessandro", "GD"),
        ("(Acme) Oy", "AO"),
        ("Tõnis  -  Tõnisson", "TT"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_initials(name: str, letters: str) -> None:
    assert initials(name) == letters
