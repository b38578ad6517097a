"""UUIDv7 ids: format, version and variant bits, time order, uniqueness."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from crmdesk.domain import ids
from crmdesk.domain.ids import is_id, new_id


def _ms(text: str) -> int:
    return int(uuid.UUID(text).hex[:12], 16)


def _counter(text: str) -> int:
    return (uuid.UUID(text).int >> 64) & 0xFFF


def test_new_id_is_a_canonical_version_7_uuid() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert len(value) == 36
    assert value == value.lower() == str(parsed)
    assert parsed.version == 7
    assert value[14] == "7"
    assert parsed.variant == uuid.RFC_4122
    assert value[19] in "89ab"
    assert is_id(value)


def test_new_id_carries_the_current_unix_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= _ms(value) <= after


def test_ids_made_in_sequence_sort_ascending_as_strings_and_never_repeat() -> None:
    made = [new_id() for _ in range(20_000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_random_part_differs_between_ids() -> None:
    tails = {new_id()[24:] for _ in range(1000)}
    assert len(tails) == 1000


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Make ids' clock return the values in the list (the last one repeats)."""
    values = [1_800_000_000_000 * 1_000_000]

    def fake_time_ns() -> int:
        return values.pop(0) if len(values) > 1 else values[0]

    monkeypatch.setattr(ids.time, "time_ns", fake_time_ns)
    # Start from a clean state, and let monkeypatch put the real one back, so the
    # fake future time does not leak into ids made by later tests.
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids, "_counter", 0)
    yield values


def test_same_millisecond_counts_up_in_rand_a(frozen_clock: list[int]) -> None:
    first, second, third = new_id(), new_id(), new_id()
    assert _ms(first) == _ms(second) == _ms(third) == 1_800_000_000_000
    assert _counter(second) == _counter(first) + 1
    assert _counter(third) == _counter(first) + 2
    assert first < second < third


def test_counter_overflow_borrows_the_next_millisecond(frozen_clock: list[int]) -> None:
    made = [new_id() for _ in range(5000)]  # more than the 12-bit counter holds
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    stamps = {_ms(value) for value in made}
    assert min(stamps) == 1_800_000_000_000
    assert max(stamps) in (1_800_000_000_001, 1_800_000_000_002)
    assert all(uuid.UUID(value).version == 7 for value in made)


def test_clock_stepping_back_does_not_break_the_order(frozen_clock: list[int]) -> None:
    base = frozen_clock[0]
    frozen_clock[:] = [base, base + 5_000_000, base - 60_000_000_000, base - 1]
    made = [new_id() for _ in range(4)]
    assert made == sorted(made)
    assert _ms(made[2]) == _ms(made[1])  # kept the later time instead of going back


def test_real_clock_is_back_after_a_frozen_clock_test() -> None:
    assert abs(_ms(new_id()) - time.time_ns() // 1_000_000) < 60_000


def test_ids_from_many_threads_are_unique_and_ordered_per_thread() -> None:
    results: list[list[str]] = [[] for _ in range(8)]

    def work(out: list[str]) -> None:
        for _ in range(2000):
            out.append(new_id())

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [value for out in results for value in out]
    assert len(set(everything)) == len(everything) == 16_000
    assert all(out == sorted(out) for out in results)


@pytest.mark.parametrize(
    "text",
    [
        "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b",  # version 4
        "53b348f8-e764-11f1-a67a-02fc00000001",  # version 1
        "00000000-0000-0000-0000-000000000000",
        "018f3c1e-7b2a-7c3d-8e4f-0123456789ab",
    ],
)
def test_is_id_accepts_canonical_uuids_of_any_version(text: str) -> None:
    assert is_id(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-an-id",
        "018F3C1E-7B2A-7C3D-8E4F-0123456789AB",  # upper case is not canonical
        "018f3c1e7b2a7c3d8e4f0123456789ab",  # no hyphens
        "{018f3c1e-7b2a-7c3d-8e4f-0123456789ab}",
        " 018f3c1e-7b2a-7c3d-8e4f-0123456789ab",
        "018f3c1e-7b2a-7c3d-8e4f-0123456789ab\n",
        "018f3c1e-7b2a-7c3d-8e4f-0123456789a",
        "018f3c1e-7b2a-7c3d-8e4f-0123456789abc",
        "018f3c1g-7b2a-7c3d-8e4f-0123456789ab",
        "018f3c1e-7b2a7-c3d-8e4f-0123456789ab",
    ],
)
def test_is_id_rejects_anything_else(text: str) -> None:
    assert not is_id(text)
