"""Demo data: realistic, consistent with what the services write, cancellable."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.domain import phones
from crmdesk.domain.emails import email_key, normalize_email
from crmdesk.domain.ids import is_id
from crmdesk.domain.names import person_sort_key
from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import stamp, uuid7_strings
from crmdesk.services.demo import DemoStats, generate
from crmdesk.store import fts
from crmdesk.store.types import format_utc, parse_utc

PASS = "pw-demo"
STAGE_ORDER = ["lead", "prospect", "customer", "repeat_customer", "at_risk", "lapsed"]


def _create(path: Path) -> Crm:
    return Crm.create(path, PASS, region="FI", currency="EUR")


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crm]:
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    crm = _create(tmp_path / "crm.db")
    yield crm
    crm.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crm, DemoStats]]:
    """One 400-contact demo database shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRMDESK_HOME", str(folder / "home"))
        crm = _create(folder / "crm.db")
        stats = generate(crm, 400, seed=11)
        yield crm, stats
        crm.close()


def _rows(crm: Crm, sql: str, **params: object) -> list:
    with crm.db.reading() as session:
        return list(session.execute(text(sql), params).all())


# -- a whole run ----------------------------------------------------------


def test_counts_progress_and_one_audit_entry(crm: Crm) -> None:
    seen: list[tuple[int, int]] = []
    stats = generate(crm, 300, seed=7, progress=lambda done, total: seen.append((done, total)))
    assert stats.contacts == 300 == crm.queries.count()
    assert 0.08 * 300 < stats.companies < 0.25 * 300
    assert 2 * 300 < stats.activities < 4 * 300
    assert stats.followups > 0 and stats.deals > 0 and stats.seconds > 0
    assert seen[-1] == (300, 300)
    assert _rows(crm, "SELECT count(*) FROM activities")[0][0] == stats.activities
    assert _rows(crm, "SELECT count(*) FROM deals")[0][0] == stats.deals
    assert _rows(crm, "SELECT count(*) FROM followups")[0][0] == stats.followups
    assert _rows(crm, "SELECT count(*) FROM contact_fts")[0][0] == 300
    entries = _rows(crm, "SELECT action, summary FROM audit_log WHERE action = 'demo'")
    assert entries == [("demo", "demo data: 300 contacts")]
    assert crm.verify_audit().ok


def test_same_seed_same_people_other_seed_others(tmp_path: Path, crm: Crm) -> None:
    generate(crm, 120, seed=3)
    names = [s.display_name for s in crm.queries.page(limit=200)]
    for seed, same in ((3, True), (4, False)):
        other = _create(tmp_path / f"other-{seed}.db")
        try:
            generate(other, 120, seed=seed)
            assert (names == [s.display_name for s in other.queries.page(limit=200)]) is same
        finally:
            other.close()


def test_cancel_stops_between_batches(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crmdesk.services.demo.BATCH", 50)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    stats = generate(crm, 1000, seed=1, cancelled=cancelled)
    assert stats.contacts == 100 == crm.queries.count()
    assert stats.activities == _rows(crm, "SELECT count(*) FROM activities")[0][0]
    assert crm.verify_audit().ok
    # Cancelled before the first batch: nothing added, nothing audited.
    assert generate(crm, 10, cancelled=lambda: True).contacts == 0
    assert len(_rows(crm, "SELECT seq FROM audit_log WHERE action = 'demo'")) == 1


def test_adds_to_a_database_in_use(crm: Crm) -> None:
    from crmdesk.services.inputs import ContactPatch, PhoneInput

    mine = crm.contacts.create(
        "person",
        ContactPatch(first_name="Oma", last_name="Asiakas", add_phones=[PhoneInput("040 7654321")]),
    )
    generate(crm, 80, seed=2)
    generate(crm, 70, seed=2)  # same seed again: more people, no clashes
    assert crm.queries.count() == 151
    nums = [r[0] for r in _rows(crm, "SELECT num FROM contacts ORDER BY num")]
    assert nums == list(range(1, 152))
    assert crm.screenpop.pop("+358407654321").card.id == mine  # type: ignore[union-attr]
    tags = _rows(crm, "SELECT lower(name), count(*) FROM tags GROUP BY lower(name)")
    assert all(count == 1 for _, count in tags)
    products = _rows(crm, "SELECT name, count(*) FROM products GROUP BY name")
    assert len(products) == 40 and all(count == 1 for _, count in products)
    assert crm.verify_audit().ok


# -- consistent with the services ------------------------------------------


def test_search_documents_are_what_the_index_would_hold(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    sample = _rows(crm, "SELECT id, num FROM contacts ORDER BY random() LIMIT 60")
    sql = "SELECT name, company, emails, phones, notes, activity FROM contact_fts WHERE rowid = :n"
    before = {num: _rows(crm, sql, n=num)[0] for _, num in sample}
    with crm.db.writing() as session:
        fts.reindex_contacts(session, [cid for cid, _ in sample])
    for _, num in sample:
        ours, theirs = before[num], _rows(crm, sql, n=num)[0]
        assert ours[:3] == theirs[:3]
        assert set(ours[3].split()) == set(theirs[3].split())
        assert ours[4] == theirs[4]
        # Lines newest first; activities logged at the same instant may swap.
        assert sorted(ours[5].splitlines()) == sorted(theirs[5].splitlines())


def test_phones_parse_as_stored(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    rows = _rows(crm, "SELECT raw, e164, digits_rev FROM contact_phones")
    assert len(rows) > 400
    countries = set()
    for raw, e164, digits_rev in rows:
        parsed = phones.parse_phone(raw, "FI")
        assert (parsed.raw, parsed.e164) == (raw, e164), raw
        assert digits_rev == phones.reversed_digits(parsed.digits)
        countries.add(e164[:4])
    assert {"+358", "+393", "+372", "+386", "+447"} <= countries
    national = [raw for raw, _, _ in rows if raw.startswith("0")]
    assert national, "home numbers are often typed in national format"


def test_emails_valid_keyed_and_undeliverable(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    for address, key in _rows(crm, "SELECT address, address_key FROM contact_emails"):
        assert normalize_email(address) == address
        assert key == email_key(address)
        assert address.endswith(".example") or address.rsplit(".", 2)[-2] == "example"


def test_ids_and_timestamps_are_what_the_store_expects(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    ids = [r[0] for r in _rows(crm, "SELECT id FROM activities UNION ALL SELECT id FROM deals")]
    assert all(is_id(i) and uuid.UUID(i).version == 7 for i in ids)
    assert len(set(ids)) == len(ids)
    now = datetime.now(UTC)
    stamps = _rows(crm, "SELECT created_at, updated_at FROM contacts")
    for created, updated in stamps:
        assert format_utc(parse_utc(created)) == created
        assert parse_utc(created) <= parse_utc(updated) <= now


def test_uuid7_strings_and_stamp() -> None:
    made = list(islice(uuid7_strings(), 10_000))
    assert made == sorted(made) and len(set(made)) == len(made)
    for value in made[:50]:
        parsed = uuid.UUID(value)
        assert is_id(value) and parsed.version == 7 and parsed.variant == uuid.RFC_4122
    rng = random.Random(1)
    for _ in range(1000):
        ms = rng.randrange(1_500_000_000_000, 2_000_000_000_000)
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
        assert stamp(ms / 1000) == format_utc(moment)


# -- realistic ---------------------------------------------------------------


def test_people_companies_and_names(demo: tuple[Crm, DemoStats]) -> None:
    crm, stats = demo
    rows = _rows(crm, "SELECT kind, first_name, last_name, sort_key, company_id FROM contacts")
    people = [r for r in rows if r[0] == "person"]
    assert len(people) + stats.companies == len(rows)
    assert all(r[3] == person_sort_key(r[1], r[2]) for r in people)
    assert sum(1 for r in people if r[4]) > len(people) / 5
    letters = "".join(r[1] + r[2] for r in people)
    assert any(c in letters for c in "äöõüčšž")
    terms = _rows(crm, "SELECT count(*) FROM contacts WHERE credit_limit_minor IS NOT NULL")
    assert terms[0][0] > 0


def test_lifecycle_follows_the_purchases(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    contacts = _rows(crm, "SELECT id, stage, created_at FROM contacts")
    purchases = dict(
        _rows(crm, "SELECT contact_id, count(*) FROM activities WHERE kind = 'purchase' GROUP BY 1")
    )
    history: dict[str, list[tuple[str, str]]] = {}
    for contact_id, to_stage, at in _rows(
        crm, "SELECT contact_id, to_stage, changed_at FROM stage_history ORDER BY rowid"
    ):
        history.setdefault(contact_id, []).append((to_stage, at))
    first_activity = dict(
        _rows(crm, "SELECT contact_id, min(occurred_at) FROM activities GROUP BY 1")
    )
    for contact_id, stage, created in contacts:
        bought = purchases.get(contact_id, 0)
        if stage in ("lead", "prospect"):
            assert bought == 0
        elif stage == "repeat_customer":
            assert bought >= 2
        else:
            assert bought >= 1
        steps = history[contact_id]
        assert steps[0] == ("lead", created) and steps[-1][0] == stage
        assert [s for s, _ in steps] == sorted((s for s, _ in steps), key=STAGE_ORDER.index)
        assert [t for _, t in steps] == sorted(t for _, t in steps)
        assert first_activity.get(contact_id, created) >= created


def test_card_shows_balances_terms_timeline(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    (company_id,) = _rows(
        crm,
        "SELECT c.id FROM contacts c WHERE c.kind = 'company' AND c.credit_limit_minor IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM contacts m WHERE m.company_id = c.id)"
        " AND EXISTS (SELECT 1 FROM activities a WHERE a.contact_id = c.id AND kind = 'purchase')"
        " LIMIT 1",
    )[0]
    card = crm.queries.card(company_id)
    assert card.terms is not None and card.terms.credit_limit_minor
    assert card.members and card.recent_activities and card.last_purchases
    (balance,) = card.balances
    bought = sum(
        a.amount_minor or 0
        for member in (company_id, *(m.id for m in card.members))
        for a in crm.activities.timeline(member, kind="purchase", limit=1000)
    )
    assert balance.purchased_minor == bought and balance.currency == "EUR"
    assert card.terms.owed_minor == balance.owed_minor
    for purchase in card.last_purchases:
        assert purchase.lines
        assert sum(ln.line_total_minor for ln in purchase.lines) == purchase.amount_minor
    member = crm.queries.card(card.members[0].id)
    assert member.terms is not None and member.terms.holder_id == company_id
    owed = [
        crm.queries.card(cid).balances
        for (cid,) in _rows(crm, "SELECT id FROM contacts WHERE stage = 'repeat_customer'")
    ]
    assert any(b and b[0].owed_minor == 0 for b in owed), "most customers have paid"
    assert any(b and b[0].owed_minor > 0 for b in owed), "some still owe"


def test_followups_complaints_and_deals(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    assert crm.followups.list("overdue") and crm.followups.list("upcoming")
    local = datetime.now().astimezone()
    if local.hour < 23:  # the last hour of the day leaves little room for "today"
        assert crm.followups.list("today")
    assert crm.followups.list("done")
    complaints = _rows(
        crm, "SELECT status, resolution, resolved_at FROM activities WHERE kind = 'complaint'"
    )
    assert complaints
    for status, resolution, resolved_at in complaints:
        assert status in ("open", "in_progress", "resolved")
        assert (status == "resolved") == bool(resolution) == (resolved_at is not None)
    deals = _rows(crm, "SELECT stage, reason, closed_at FROM deals")
    assert {"won", "lost"} & {d[0] for d in deals}
    for stage, reason, closed_at in deals:
        assert (stage in ("won", "lost")) == bool(reason) == (closed_at is not None)


def test_search_and_screen_pop_find_demo_contacts(demo: tuple[Crm, DemoStats]) -> None:
    crm, _ = demo
    rng = random.Random(2)
    people = [s for s in crm.queries.page(limit=400) if not s.is_company and s.phone]
    for person in rng.sample(people, 15):
        card = crm.queries.card(person.id)
        assert person.id in [h.id for h in crm.search.search(card.last_name[:3], limit=400)]
        assert person.id in [h.id for h in crm.search.search(card.display_name, limit=50)]
        if card.emails:
            assert person.id in [h.id for h in crm.search.search(card.emails[0].address)]
        phone = card.phones[0]
        assert phone.e164
        for typed in (phone.e164, phone.display, phone.raw, phone.e164.replace("+", "00", 1)):
            pop = crm.screenpop.pop(typed)
            found = [pop.card.id] if pop.card else [c.id for c in pop.candidates]
            assert person.id in found, typed
        assert person.id in [h.id for h in crm.search.search(phone.raw)]
