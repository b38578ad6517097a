"""E-mail addresses: pragmatic validation, kept as typed, matched case-insensitively."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdesk.domain.emails import email_key, looks_like_email, normalize_email
from crmdesk.errors import ValidationError

VALID = [
    "matti@acme.fi",
    "Matti.Jaaskelainen@Acme.FI",
    "first.last+tag@sub.example.co.uk",
    "o'brien@example.ie",
    "anna_maria-virtanen@kauppa-oy.fi",
    "x@y.it",
    "jää@jääskeläinen.fi",
    "tõnis@näide.ee",
    "info@xn--jskelinen-62ad.fi",
    "123@456.com",
]

INVALID = [
    "foo@",
    "@acme.fi",
    "matti",
    "matti@acme",
    "matti@@acme.fi",
    "matti@acme@fi.fi",
    "mat ti@acme.fi",
    "matti@ac me.fi",
    "matti@acme..fi",
    "matti..j@acme.fi",
    ".matti@acme.fi",
    "matti.@acme.fi",
    "matti@.acme.fi",
    "matti@acme.fi.",
    "matti@-acme.fi",
    "matti@acme-.fi",
    "matti@acme.fi-",
    "matti@acme.-fi",
    "matti@ac_me.fi",
    "matti@acme.f",
    "matti@10.0.0.1",
    'ma"tti@acme.fi',
    "matti<x>@acme.fi",
    "matti@acme,fi",
    "a" * 65 + "@acme.fi",
    "matti@" + "a" * 64 + ".fi",
    "matti@" + "a.b" * 100 + ".fi",
]


@pytest.mark.parametrize("address", VALID)
def test_valid_addresses_come_back_as_typed(address: str) -> None:
    assert normalize_email(address) == address
    assert looks_like_email(address)


def test_surrounding_space_is_stripped_but_case_kept() -> None:
    assert normalize_email("  Matti@Acme.FI \n") == "Matti@Acme.FI"


@pytest.mark.parametrize("address", INVALID)
def test_invalid_addresses_are_refused_in_one_sentence(address: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_email(address)
    assert str(caught.value) == f"'{address}' is not a valid e-mail address."
    assert caught.value.field == "email"
    assert not looks_like_email(address)


def test_the_example_message_from_the_spec() -> None:
    with pytest.raises(ValidationError, match=r"^'foo@' is not a valid e-mail address\.$"):
        normalize_email(" foo@ ")


@pytest.mark.parametrize("blank", ["", "   "])
def test_empty_address(blank: str) -> None:
    with pytest.raises(ValidationError, match="cannot be empty"):
        normalize_email(blank)
    assert not looks_like_email(blank)


def test_decomposed_unicode_domain_is_accepted_and_kept_as_typed() -> None:
    decomposed = unicodedata.normalize("NFD", "matti@jääskeläinen.fi")
    assert normalize_email(decomposed) == decomposed


@pytest.mark.parametrize("text", ["040 123 4567", "Matti Jääskeläinen", "acme.fi", "@matti"])
def test_looks_like_email_is_false_for_other_search_text(text: str) -> None:
    assert not looks_like_email(text)


def test_email_key_ignores_case() -> None:
    assert email_key("Matti.J@ACME.fi") == "matti.j@acme.fi"
    assert email_key("MATTI@ACME.FI") == email_key("matti@acme.fi")
    assert email_key(" matti@acme.fi ") == "matti@acme.fi"


def test_email_key_uses_full_case_folding_and_one_unicode_form() -> None:
    assert email_key("STRASSE@example.de") == email_key("straße@example.de")
    composed = "jää@jääskeläinen.fi"
    assert email_key(unicodedata.normalize("NFD", composed.upper())) == composed


# --- the check against its first, label-by-label form --------------------------

_OLD_LABEL = re.compile(r"[^\W_](?:[^\W_]|-)*(?<!-)")
_OLD_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]]+")


def _label_by_label(address: str) -> bool:
    """The rules as first written (one regex per label, NFC always): the reference."""
    address = unicodedata.normalize("NFC", address)
    if address.count("@") != 1 or len(address) > 254:
        return False
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _OLD_LOCAL.fullmatch(local):
        return False
    if ".." in local or local.startswith(".") or local.endswith("."):
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    if not all(len(label) <= 63 and _OLD_LABEL.fullmatch(label) for label in labels):
        return False
    top = labels[-1]
    return len(top) >= 2 and not top.isdigit()


_PIECES = st.sampled_from(
    ["a", "Z", "9", "0", "-", ".", "..", "_", "@", " ", "ä", "e\u0301", "ß", "İ", "٣", "²",
     '"', "+", "'", "\t", "\x00", "é", "ж", "com", "fi", "xn--", "a" * 30]
)  # fmt: skip


@settings(max_examples=1_000)
@given(st.lists(_PIECES, max_size=14).map("".join), st.lists(_PIECES, max_size=14).map("".join))
def test_the_check_accepts_and_refuses_what_the_label_by_label_rules_do(
    local: str, domain: str
) -> None:
    for address in (f"{local}@{domain}", f"{local}@{domain}.fi", f"{local}@a.{domain}", domain):
        assert looks_like_email(address) == (
            bool(address.strip()) and _label_by_label(address.strip())
        )


@given(st.text(max_size=40))
def test_the_check_agrees_with_the_label_by_label_rules_on_any_text(text: str) -> None:
    for address in (text, f"x@{text}", f"{text}@example.fi", f"{text}.{text}@{text}.com"):
        assert looks_like_email(address) == (
            bool(address.strip()) and _label_by_label(address.strip())
        )


@given(st.text(max_size=30))
def test_email_key_is_nfc_casefold_for_any_text(text: str) -> None:
    assert email_key(text) == unicodedata.normalize("NFC", text.strip()).casefold()


def test_labels_of_63_characters_pass_and_of_64_fail() -> None:
    assert looks_like_email("x@" + "a" * 63 + ".fi")
    assert not looks_like_email("x@" + "a" * 64 + ".fi")
    assert looks_like_email("x@a" + "-" * 61 + "b.fi")
