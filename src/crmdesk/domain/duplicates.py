"""When two contacts are the same customer: the keys the importer and the
duplicate finder share.

Three rules: the same e-mail key, the same E.164 phone number, or a very
similar name at the same company (case, accents and spacing ignored; a first
name that is an initial or a prefix of the other, or one typo in either name).
Two companies are the same when their names sort the same.
"""

from __future__ import annotations

import functools

from crmdesk.domain.names import company_sort_key, person_sort_key, sort_key

KEY_CACHE = 1 << 16  # names repeat (in a file, in a company): fold each once


@functools.lru_cache(maxsize=KEY_CACHE)
def company_key(name: str) -> str:
    """:func:`company_sort_key`, remembered."""
    return company_sort_key(name)


@functools.lru_cache(maxsize=KEY_CACHE)
def person_key(first: str, last: str) -> str:
    """:func:`person_sort_key`, remembered."""
    return person_sort_key(first, last)


@functools.lru_cache(maxsize=KEY_CACHE)
def _part_key(text: str) -> str:
    return "".join(ch for ch in sort_key(text) if ch.isalnum())


def name_keys(first: str, last: str) -> tuple[str, str]:
    """The first and last name folded for comparison (no case, accents, spaces or
    punctuation: ``M.`` is the initial ``m``)."""
    return _part_key(first), _part_key(last)


def similar_first(a: str, b: str) -> bool:
    """``matti``/``matti``, ``m``/``matti`` (an initial), ``matt``/``matti``, one typo."""
    if not a or not b:
        return a == b
    return a.startswith(b) or b.startswith(a) or within_one_edit(a, b)


def within_one_edit(a: str, b: str) -> bool:
    """True when one insertion, deletion or substitution turns ``a`` into ``b``."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def similar_names(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """The importer's "very similar name": same last name and a similar first name,
    or the same first name and a last name one typo away (keys from :func:`name_keys`)."""
    if last_a == last_b and similar_first(first_a, first_b):
        return True
    return first_a == first_b and within_one_edit(last_a, last_b)
