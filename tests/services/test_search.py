"""Search as you type: prefixes without accents, e-mails, companies, phones, ranking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdesk.services import search as search_module
from crmdesk.services.app import Crm
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

PASS = "correct horse battery"


def found(crm: Crm, query: str, limit: int = 50) -> list[str]:
    return [row.display_name for row in crm.search.search(query, limit)]


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crm]:
    """One database for the tests that only search it (they never write)."""
    crm = Crm.create(
        tmp_path_factory.mktemp("search") / "crm.db", PASS, region="FI", currency="EUR"
    )
    crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Matti",
            last_name="Jääskeläinen",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567")],
            emails=[EmailInput("mj.tyres@kauppa.fi")],
        ),
    )
    crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Ana",
            last_name="Kovačič",
            company="Ljubljana Avto d.o.o.",
            phones=[PhoneInput("+386 41 123 456")],
        ),
    )
    tonis = crm.contacts.create(
        "person", ContactPatch(first_name="Tõnis", last_name="Tõnisson", title="Fleet manager")
    )
    crm.activities.log(tonis, "call", "Asked about studded tyres for the vans")
    crm.contacts.create("person", ContactPatch(first_name="Giulia", last_name="D'Alessandro"))
    try:
        yield crm
    finally:
        crm.close()


@pytest.fixture
def editable(crm: Crm) -> Crm:
    """The same people in a database of the test's own, to change."""
    matti = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Matti",
            last_name="Jääskeläinen",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567")],
        ),
    )
    assert crm.queries.card(matti).company_name == "Acme Oy"
    return crm


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("jää", ["Matti Jääskeläinen"]),
        ("jaa", ["Matti Jääskeläinen"]),
        ("JÄÄSKELÄINEN", ["Matti Jääskeläinen"]),
        ("mat", ["Matti Jääskeläinen"]),
        ("matti jää", ["Matti Jääskeläinen"]),
        ("kov", ["Ana Kovačič"]),
        ("kovacic", ["Ana Kovačič"]),
        ("tõn", ["Tõnis Tõnisson"]),
        ("ton", ["Tõnis Tõnisson"]),
        ("d'ales", ["Giulia D'Alessandro"]),
        ("alessandro", ["Giulia D'Alessandro"]),
        ("kauppa", ["Matti Jääskeläinen"]),  # part of the e-mail address
        ("mj.tyres@kauppa.fi", ["Matti Jääskeläinen"]),
        ("ljubljana", ["Ljubljana Avto d.o.o.", "Ana Kovačič"]),  # the company, then its people
        ("fleet", ["Tõnis Tõnisson"]),  # job title
        ("studded", ["Tõnis Tõnisson"]),  # activity text
        ("0401234", ["Matti Jääskeläinen"]),  # stored as +358401234567
        ("040 123 45", ["Matti Jääskeläinen"]),
        ("+358 40 123", ["Matti Jääskeläinen"]),
        ("00386 41", ["Ana Kovačič"]),  # typed with the international prefix
        ("00358 40 123", ["Matti Jääskeläinen"]),
        ("041 123", ["Ana Kovačič"]),  # the national form of a foreign number
        ("matti kov", []),  # every word must match
        ("nobody", []),
    ],
)
def test_search_finds(people: Crm, query: str, names: list[str]) -> None:
    assert found(people, query) == names


def test_company_name_finds_the_company_and_its_people(people: Crm) -> None:
    assert found(people, "acme") == ["Acme Oy", "Matti Jääskeläinen"]
    assert found(people, "acme matti") == ["Matti Jääskeläinen"]


def test_search_follows_edits(editable: Crm) -> None:
    people = editable
    matti = people.queries.resolve("Matti Jääskeläinen")
    acme = people.queries.resolve("Acme Oy")
    people.contacts.update(
        matti, ContactPatch(last_name="Järvinen", remove_phones=["040 123 4567"])
    )
    assert found(people, "jääsk") == []
    assert found(people, "järv") == ["Matti Järvinen"]
    assert found(people, "0401234") == []
    # Renaming the company re-indexes its people too.
    people.contacts.update(acme, ContactPatch(company_name="Rengas Oy"))
    assert found(people, "acme") == []
    assert found(people, "rengas") == ["Rengas Oy", "Matti Järvinen"]


def test_a_name_match_ranks_before_a_notes_match(crm: Crm) -> None:
    crm.contacts.create(
        "person",
        ContactPatch(first_name="Anna", last_name="Aalto", notes="Sister of Pekka Virtanen"),
    )
    crm.contacts.create(
        "person", ContactPatch(first_name="Bertta", last_name="Blom", notes="Knows Virtanen")
    )
    crm.contacts.create("person", ContactPatch(first_name="Pekka", last_name="Virtanen"))
    assert found(crm, "virtanen")[0] == "Pekka Virtanen"
    assert sorted(found(crm, "virtanen")) == ["Anna Aalto", "Bertta Blom", "Pekka Virtanen"]


def test_limit_and_empty_queries(people: Crm) -> None:
    assert len(people.search.search("a", limit=2)) == 2
    assert people.search.search("a", limit=0) == []
    for query in ("", "   ", "--", "'", "*", "()"):
        assert people.search.search(query) == []


@pytest.fixture
def rank_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(search_module, "RANK_LIMIT", 3)
    return 3


def test_broad_queries_list_name_matches_first_then_the_rest(crm: Crm, rank_limit: int) -> None:
    for first, last in [("Anna", "Virtanen"), ("Anne", "Aalto"), ("Annika", "Blom")]:
        crm.contacts.create("person", ContactPatch(first_name=first, last_name=last))
    for last in ("Annala", "Annanpalo"):
        crm.contacts.create("person", ContactPatch(first_name="Pekka", last_name=last))
    crm.contacts.create("person", ContactPatch(first_name="Mikko", notes="Anna's brother"))
    everyone = found(crm, "ann")
    assert len(everyone) == 6 > rank_limit
    # Last names starting with the query come first, alphabetically; then other hits.
    assert everyone[:2] == ["Pekka Annala", "Pekka Annanpalo"]
    assert sorted(everyone[2:]) == ["Anna Virtanen", "Anne Aalto", "Annika Blom", "Mikko"]
    assert found(crm, "ann", limit=3) == ["Pekka Annala", "Pekka Annanpalo", everyone[2]]
    assert len(set(found(crm, "ann", limit=4))) == 4


def test_broad_phone_queries_still_answer(crm: Crm, rank_limit: int) -> None:
    for i in range(5):
        crm.contacts.create(
            "person", ContactPatch(first_name=f"Caller{i}", phones=[PhoneInput(f"040 555 000{i}")])
        )
    assert sorted(found(crm, "040555")) == [f"Caller{i}" for i in range(5)]
    assert found(crm, "0405550003") == ["Caller3"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=20))
def test_any_typed_text_is_a_safe_query(people: Crm, query: str) -> None:
    results = people.search.search(query)
    assert len(results) <= people.queries.count()


@pytest.mark.parametrize("rank_limit", [2_000, 5])  # ranked path, and the broad path
def test_filters_apply_to_every_match_not_only_the_top_hits(
    crm: Crm, monkeypatch: pytest.MonkeyPatch, rank_limit: int
) -> None:
    monkeypatch.setattr(search_module, "RANK_LIMIT", rank_limit)
    for n in range(30):  # strong matches: "Lindqvist" in the name
        crm.contacts.create("person", ContactPatch(first_name=f"Eeva{n}", last_name="Lindqvist"))
    weak = crm.contacts.create(  # the only VIP matches through its notes, ranked last
        "person", ContactPatch(first_name="Zed", last_name="Zulu", notes="met at Lindqvist's")
    )
    crm.contacts.update(weak, ContactPatch(add_tags=["vip"]))
    assert weak not in [r.id for r in crm.search.search("lindqvist", limit=10)]
    hits = crm.search.search("lindqvist", limit=10, flt=ContactFilter(tag="vip"))
    assert [r.id for r in hits] == [weak]
    assert crm.search.search("lindqvist", limit=10, flt=ContactFilter(stage="customer")) == []
