"""Contacts: create, edit, delete/restore, resolve, list pages and counts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import text

from crmdesk.domain.names import person_sort_key
from crmdesk.errors import Ambiguous, NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

Counts = Callable[[], dict[str, int]]


def person(crm: Crm, first: str, last: str, **fields: object) -> str:
    return crm.contacts.create("person", ContactPatch(first_name=first, last_name=last, **fields))  # type: ignore[arg-type]


def last_audit(crm: Crm) -> tuple[str, str, str, dict[str, object]]:
    with crm.db.reading() as session:
        action, entity, summary, changes = session.execute(
            text("SELECT action, entity, summary, changes FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).one()
    return action, entity, summary, json.loads(changes)


# --- create ---------------------------------------------------------------------------


def test_person_with_a_new_company_phones_emails_and_tags(crm: Crm) -> None:
    matti = person(
        crm,
        " Matti ",
        "Jääskeläinen",
        company="Acme Oy",
        title="Buyer",
        phones=[PhoneInput("040 123 4567", "mobile"), PhoneInput("+39 06 1234 5678", "rome")],
        emails=[EmailInput("Matti.J@Acme.FI", "work")],
        tags=["VIP", "tyres"],
        notes="Prefers morning calls",
    )
    card = crm.queries.card(matti)
    assert card.display_name == "Matti Jääskeläinen"
    assert (card.first_name, card.last_name, card.kind) == ("Matti", "Jääskeläinen", "person")
    assert card.company_name == "Acme Oy"
    assert card.stage == "lead"
    assert [(p.label, p.raw, p.e164, p.display) for p in card.phones] == [
        ("mobile", "040 123 4567", "+358401234567", "040 1234567"),
        ("rome", "+39 06 1234 5678", "+390612345678", "+39 06 1234 5678"),
    ]
    assert [(e.label, e.address) for e in card.emails] == [("work", "Matti.J@Acme.FI")]
    assert card.tags == ("tyres", "VIP")
    assert card.owner_name  # the owner made it
    company = crm.queries.card(card.company_id or "")
    assert (company.kind, company.display_name) == ("company", "Acme Oy")
    assert [m.id for m in company.members] == [matti]
    assert crm.queries.count(ContactFilter(kind="company")) == 1
    # The next person at the same company (typed differently) joins it.
    anna = person(crm, "Anna", "Virtanen", company="  ACME   oy ")
    assert crm.queries.card(anna).company_id == card.company_id
    assert crm.queries.count(ContactFilter(kind="company")) == 1
    assert [m.display_name for m in crm.queries.card(company.id).members] == [
        "Matti Jääskeläinen",
        "Anna Virtanen",
    ]


def test_company_by_id_and_a_company_contact(crm: Crm) -> None:
    acme = crm.contacts.create("company", ContactPatch(company_name="Acme Oy", website="acme.fi"))
    matti = person(crm, "Matti", "Meikäläinen", company=acme)
    assert crm.queries.card(matti).company_id == acme
    assert crm.queries.card(acme).website == "acme.fi"
    with pytest.raises(NotFound):
        person(crm, "Anna", "Virtanen", company=matti)  # an id, but of a person
    with pytest.raises(ValidationError, match="cannot belong"):
        crm.contacts.create("company", ContactPatch(company_name="Sub Oy", company="Acme Oy"))
    with pytest.raises(ValidationError, match="Only a company"):
        person(crm, "Anna", "Virtanen", company_name="Acme Oy")
    with pytest.raises(ValidationError, match="needs a name"):
        crm.contacts.create("company", ContactPatch())
    with pytest.raises(ValidationError, match="kind"):
        crm.contacts.create("robot", ContactPatch(first_name="R2"))


BAD_NEW_CONTACTS = [
    ContactPatch(first_name="Matti", emails=[EmailInput("matti@")]),
    ContactPatch(first_name="Matti", phones=[PhoneInput("abc")]),
    ContactPatch(first_name="Matti", phones=[PhoneInput("12")]),
    ContactPatch(first_name="  ", last_name=""),
    ContactPatch(first_name="Matti", stage="vip"),
    ContactPatch(first_name="Matti", tags=["ok", "  "]),
    # The company would be created first; the bad e-mail must undo it too.
    ContactPatch(first_name="Matti", company="New Oy", emails=[EmailInput("not an email")]),
    ContactPatch(first_name="Matti", custom={"shoe_size": "44"}),
]


def test_invalid_create_writes_nothing(crm: Crm, counts: Counts) -> None:
    person(crm, "Existing", "Contact")
    before = counts()
    for patch in BAD_NEW_CONTACTS:
        with pytest.raises(ValidationError):
            crm.contacts.create("person", patch)
        assert counts() == before, patch
    assert crm.verify_audit().ok
    assert crm.queries.count() == 1


# --- update -----------------------------------------------------------------------------


@pytest.fixture
def matti(crm: Crm) -> str:
    return person(
        crm,
        "Matti",
        "Jääskeläinen",
        phones=[PhoneInput("040 123 4567", "mobile"), PhoneInput("09 123 456", "office")],
        emails=[EmailInput("Matti@Acme.fi"), EmailInput("matti@home.fi", "home")],
        tags=["VIP", "tyres"],
    )


def test_edit_adds_and_removes_phones_in_any_format(crm: Crm, matti: str) -> None:
    crm.contacts.update(
        matti,
        ContactPatch(
            remove_phones=["+358 40 1234567"],  # stored as 040 123 4567
            add_phones=[PhoneInput("5123 4567", "estonia")],
        ),
    )
    card = crm.queries.card(matti)
    assert [(p.label, p.raw, p.e164) for p in card.phones] == [
        ("office", "09 123 456", "+3589123456"),
        ("estonia", "5123 4567", "+35851234567"),  # in the FI region: a Finnish number
    ]
    action, entity, _, changes = last_audit(crm)
    assert (action, entity) == ("update", "contact")
    assert changes["phones"] == [["040 123 4567", "09 123 456"], ["09 123 456", "5123 4567"]]
    crm.contacts.update(matti, ContactPatch(remove_phones=["+358 9 123 456"]))
    assert [p.raw for p in crm.queries.card(matti).phones] == ["5123 4567"]
    crm.contacts.update(matti, ContactPatch(phones=[PhoneInput("+372 5123 4567")]))
    assert [p.e164 for p in crm.queries.card(matti).phones] == ["+37251234567"]


def test_edit_adds_and_removes_emails_case_insensitively(crm: Crm, matti: str) -> None:
    crm.contacts.update(
        matti,
        ContactPatch(remove_emails=["MATTI@ACME.FI"], add_emails=[EmailInput("m.j@uusi.fi")]),
    )
    assert [e.address for e in crm.queries.card(matti).emails] == ["matti@home.fi", "m.j@uusi.fi"]
    assert crm.queries.resolve("M.J@UUSI.FI") == matti
    with pytest.raises(NotFound):
        crm.queries.resolve("matti@acme.fi")


def test_edit_adds_and_removes_tags(crm: Crm, matti: str) -> None:
    crm.contacts.update(matti, ContactPatch(add_tags=["winter", "vip"], remove_tags=["TYRES"]))
    assert crm.queries.card(matti).tags == ("VIP", "winter")  # "vip" was already there
    assert crm.queries.tags() == ["tyres", "VIP", "winter"]  # the tag itself stays defined
    assert crm.queries.count(ContactFilter(tag="winter")) == 1
    assert crm.queries.count(ContactFilter(tag="tyres")) == 0
    crm.contacts.update(matti, ContactPatch(tags=[]))
    assert crm.queries.card(matti).tags == ()


def test_tags_differing_only_in_case_are_one_tag_also_beyond_ascii(crm: Crm) -> None:
    first = person(crm, "Anna", "Aalto", tags=["Ärsyttävä", "Vip"])
    second = person(crm, "Bertta", "Blom", tags=["ärsyttävä", "VIP"])
    assert crm.queries.tags() == ["Vip", "Ärsyttävä"]
    assert crm.queries.card(second).tags == ("Vip", "Ärsyttävä")
    assert crm.queries.count(ContactFilter(tag="Ärsyttävä")) == 2
    crm.contacts.update(first, ContactPatch(remove_tags=["ÄRSYTTÄVÄ"]))
    assert crm.queries.card(first).tags == ("Vip",)


def test_edit_names_stage_and_scalars(crm: Crm, matti: str) -> None:
    crm.contacts.update(
        matti,
        ContactPatch(
            last_name="Järvinen", stage="Prospect", notes=" met at the fair ", title="CEO"
        ),
    )
    card = crm.queries.card(matti)
    assert card.display_name == "Matti Järvinen"
    assert (card.stage, card.notes, card.title) == ("prospect", "met at the fair", "CEO")
    assert card.updated_at > card.created_at
    assert crm.queries.resolve("Matti Järvinen") == matti
    with pytest.raises(NotFound):
        crm.queries.resolve("Matti Jääskeläinen")
    with crm.db.reading() as session:
        moves = session.execute(
            text(
                "SELECT from_stage, to_stage FROM stage_history WHERE contact_id = :id"
                " ORDER BY changed_at, from_stage IS NOT NULL"
            ),
            {"id": matti},
        ).all()
    assert moves == [(None, "lead"), ("lead", "prospect")]


BAD_EDITS = [
    # A valid addition together with a bad removal: neither may happen.
    ContactPatch(add_phones=[PhoneInput("09 765 4321")], remove_phones=["050 999 9999"]),
    ContactPatch(add_emails=[EmailInput("ok@acme.fi")], remove_emails=["nobody@acme.fi"]),
    ContactPatch(add_tags=["new"], remove_tags=["not-there"]),
    ContactPatch(notes="changed", add_emails=[EmailInput("broken@")]),
    ContactPatch(first_name="", last_name=""),
    ContactPatch(notes="changed", stage="customers"),
    ContactPatch(company="New Oy", add_phones=[PhoneInput("phone")]),
]


def test_invalid_edit_changes_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    card_before = crm.queries.card(matti)
    before = counts()
    for patch in BAD_EDITS:
        with pytest.raises(ValidationError):
            crm.contacts.update(matti, patch)
        assert counts() == before, patch
        assert crm.queries.card(matti) == card_before, patch


def test_edit_that_changes_nothing_records_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    before = counts()
    crm.contacts.update(matti, ContactPatch(first_name="Matti", tags=["vip", "TYRES"]))
    assert counts() == before


# --- delete and restore -------------------------------------------------------------------


def test_delete_hides_everywhere_and_restore_brings_back(crm: Crm, matti: str) -> None:
    other = person(crm, "Anna", "Virtanen")
    crm.contacts.delete(matti)
    assert [s.id for s in crm.search.search("jääsk")] == []
    assert [s.id for s in crm.queries.page()] == [other]
    assert crm.queries.count() == 1
    for ref in (matti, "matti@acme.fi", "040 123 4567", "Matti Jääskeläinen"):
        with pytest.raises(NotFound):
            crm.queries.resolve(ref)
    assert crm.queries.resolve(matti, include_deleted=True) == matti
    assert crm.screenpop.pop("+358401234567").card is None
    assert crm.queries.card(matti).deleted_at is not None  # the trash still shows it
    with pytest.raises(NotFound, match="trash"):
        crm.contacts.update(matti, ContactPatch(notes="x"))
    with pytest.raises(NotFound):
        crm.contacts.delete(matti)

    crm.contacts.restore(matti)
    assert [s.id for s in crm.search.search("jääsk")] == [matti]
    assert [s.id for s in crm.queries.page()] == [matti, other]
    assert crm.queries.resolve("MATTI@acme.fi") == matti
    assert crm.queries.card(matti).deleted_at is None
    assert crm.screenpop.pop("+358401234567").card is not None
    with pytest.raises(ValidationError, match="not in the trash"):
        crm.contacts.restore(matti)
    with pytest.raises(NotFound):
        crm.contacts.restore("01940000-0000-7000-8000-0000000000ff")


# --- resolve -------------------------------------------------------------------------------


def test_resolve_by_id_email_phone_and_name(crm: Crm, matti: str) -> None:
    person(crm, "Anna", "Virtanen", phones=[PhoneInput("050 765 4321")])
    assert crm.queries.resolve(matti) == matti
    assert crm.queries.resolve(f"  {matti} ") == matti
    assert crm.queries.resolve("matti@acme.fi") == matti
    assert crm.queries.resolve("MATTI@ACME.FI") == matti
    for number in ("040 123 4567", "+358401234567", "00358 40 123 4567", "(040) 1234567"):
        assert crm.queries.resolve(number) == matti
    for name in ("Matti Jääskeläinen", "jääskeläinen matti", "MATTI JAASKELAINEN"):
        assert crm.queries.resolve(name) == matti
    for ref in ("Matti", "nobody@acme.fi", "040 000 0000", "01940000-0000-7000-8000-0000000000ff"):
        with pytest.raises(NotFound):
            crm.queries.resolve(ref)
    with pytest.raises(ValidationError):
        crm.queries.resolve("   ")


def test_resolve_a_company_by_name(crm: Crm) -> None:
    matti = person(crm, "Matti", "Meikäläinen", company="Kovačič d.o.o.")
    company = crm.queries.card(matti).company_id
    assert crm.queries.resolve("kovacic d.o.o.") == company


def test_shared_phone_is_ambiguous_with_candidates(crm: Crm) -> None:
    first = person(crm, "Matti", "Jääskeläinen", phones=[PhoneInput("040 123 4567")])
    second = person(crm, "Maija", "Jääskeläinen", phones=[PhoneInput("+358 40 123 4567")])
    with pytest.raises(Ambiguous) as caught:
        crm.queries.resolve("0401234567")
    assert sorted(caught.value.candidates) == sorted(
        [(first, "Matti Jääskeläinen"), (second, "Maija Jääskeläinen")]
    )
    assert caught.value.candidates[0][1] == "Maija Jääskeläinen"  # in name order
    same = person(crm, "Anna", "Virtanen")
    again = person(crm, "Anna", "Virtanen")
    with pytest.raises(Ambiguous) as caught:
        crm.queries.resolve("Anna Virtanen")
    assert {c[0] for c in caught.value.candidates} == {same, again}


# --- pages and counts -------------------------------------------------------------------------

NAMES = [
    ("Matti", "Jääskeläinen"),
    ("Tõnis", "Tõnisson"),
    ("Ana", "Kovačič"),
    ("Giulia", "D'Alessandro"),
    ("Luca", "de Angelis"),
    ("Anna", "Virtanen"),
    ("Anna", "Virtanen"),
    ("Anna", "Virtanen"),
    ("Ärje", "Östman"),
    ("", "Aalto"),
    ("Zoë", ""),
    ("Matti", "Järvinen"),
    ("Kaisa", "Mäkinen"),
    ("Jüri", "Tamm"),
    ("Marco", "Rossi"),
    ("Špela", "Novak"),
    ("Jānis", "Bērziņš"),
    ("Łukasz", "Nowak"),
    ("Pekka", "Korhonen"),
    ("Liisa", "Laine"),
    ("Mikko", "Heikkinen"),
    ("Sofia", "Bianchi"),
    ("Elina", "Koskinen"),
]


def test_keyset_pages_return_every_contact_once_in_name_order(crm: Crm) -> None:
    made = [(person_sort_key(f, ln), i, person(crm, f, ln)) for i, (f, ln) in enumerate(NAMES)]
    expected = [contact_id for _, _, contact_id in sorted(made)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = crm.queries.page(after=after, limit=4)
        if not page:
            break
        pages += 1
        assert len(page) <= 4
        seen += [row.id for row in page]
        after = (page[-1].sort_key, page[-1].num)
    assert pages == 6  # 23 contacts, 4 a page
    assert seen == expected
    assert len(set(seen)) == len(NAMES)
    assert crm.queries.page(limit=100) == crm.queries.page(limit=100)
    assert [r.id for r in crm.queries.page(limit=100)] == expected


def test_page_keys_start_every_page_at_any_depth(crm: Crm) -> None:
    for first, last in NAMES:
        person(crm, first, last)
    everyone = crm.queries.page(limit=100)
    keys = crm.queries.page_keys(ContactFilter(), 4)
    assert len(keys) == len(NAMES) // 4  # a key ends every full page
    for number, after in enumerate(keys, start=1):
        assert crm.queries.page(after=after, limit=4) == everyone[number * 4 : number * 4 + 4]
    companies = crm.queries.page_keys(ContactFilter(kind="company"), 1)
    assert len(companies) == crm.queries.count(ContactFilter(kind="company"))


def test_page_rows_carry_what_the_list_shows(crm: Crm) -> None:
    matti = person(
        crm,
        "Matti",
        "Jääskeläinen",
        company="Acme Oy",
        phones=[PhoneInput("040 123 4567"), PhoneInput("09 123 456")],
        emails=[EmailInput("matti@acme.fi"), EmailInput("m@home.fi")],
    )
    [row] = crm.queries.page(ContactFilter(kind="person"))
    assert (row.id, row.display_name, row.company_name, row.phone, row.email, row.stage) == (
        matti,
        "Matti Jääskeläinen",
        "Acme Oy",
        "040 123 4567",
        "matti@acme.fi",
        "lead",
    )
    assert not row.is_company


def test_count_and_page_with_filters(crm: Crm) -> None:
    acme = crm.contacts.create("company", ContactPatch(company_name="Acme Oy", tags=["b2b"]))
    a = person(crm, "Anna", "Aalto", company=acme, tags=["vip"], stage="customer")
    b = person(crm, "Bertta", "Blom", company=acme, tags=["VIP", "winter"])
    c = person(crm, "Cecilia", "Carlsson", tags=["winter"], stage="customer")
    person(crm, "Daniel", "Dahl", stage="lapsed")
    cases = [
        (ContactFilter(), 5),
        (ContactFilter(kind="person"), 4),
        (ContactFilter(kind="company"), 1),
        (ContactFilter(stage="customer"), 2),
        (ContactFilter(stage="lapsed"), 1),
        (ContactFilter(stage="at_risk"), 0),
        (ContactFilter(tag="vip"), 2),
        (ContactFilter(tag="winter"), 2),
        (ContactFilter(tag="b2b"), 1),
        (ContactFilter(company_id=acme), 2),
        (ContactFilter(company_id=acme, tag="winter"), 1),
        (ContactFilter(stage="customer", tag="winter"), 1),
        (ContactFilter(kind="company", stage="customer"), 0),
    ]
    for flt, expected in cases:
        assert crm.queries.count(flt) == expected, flt
        assert len(crm.queries.page(flt)) == expected, flt
    assert [r.id for r in crm.queries.page(ContactFilter(company_id=acme))] == [a, b]
    assert [r.id for r in crm.queries.page(ContactFilter(stage="customer"))] == [a, c]
    crm.contacts.delete(b)
    assert crm.queries.count(ContactFilter(tag="vip")) == 1
    assert crm.queries.count(ContactFilter(company_id=acme)) == 1
