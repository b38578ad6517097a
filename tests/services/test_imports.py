"""Importing files into a real encrypted database: outcomes, duplicates, one
transaction, the reject file, the audit trail, and undo."""

from __future__ import annotations

import csv
import gc
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.errors import Cancelled, NotFound, ValidationError
from crmdesk.interchange.columns import CONTACTS
from crmdesk.services.app import Crm
from crmdesk.services.imports import ImportOptions
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

SAMPLES = Path(__file__).parent.parent / "fixtures" / "interchange"
Counts = Callable[[], dict[str, int]]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def only(crm: Crm, query: str) -> str:
    (found,) = crm.search.search(query)
    return found.id


def test_google_sample_imports_with_rejects_audit_and_search(crm: Crm, tmp_path: Path) -> None:
    path = shutil.copy(SAMPLES / "google.csv", tmp_path / "google.csv")
    result = crm.imports.run(ImportOptions(Path(path)))
    assert (result.created, result.merged, result.skipped, result.rejected) == (3, 0, 0, 1)
    assert result.new_companies == 2  # Rengas Oy and Gomme Bianchi Srl, named by people
    matti = crm.queries.card(only(crm, "jääskeläinen"))
    assert (matti.company_name, matti.title, matti.birthday) == (
        "Rengas Oy",
        "Myyntipäällikkö",
        date(1975, 3, 14),
    )
    assert [e.address for e in matti.emails] == [
        "matti.jaaskelainen@rengas.fi",
        "matti@example.fi",
        "mj@kotiposti.fi",
    ]
    assert [p.e164 for p in matti.phones] == ["+358401234567", "+358507654321", "+35898765432"]
    assert matti.tags == ("Tyres", "VIP")
    assert matti.addresses[0].one_line() == "Teollisuuskatu 5, 00510 Helsinki, FI"
    assert crm.screenpop.pop("050 765 4321").card.id == matti.id  # type: ignore[union-attr]
    assert only(crm, "kuljetusnieminen") == only(crm, "Kuljetus Nieminen")
    # The reject file: the original columns, then row and reason.
    assert result.rejects_path == tmp_path / "google.rejects.csv"
    with result.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        header, row = list(csv.reader(f))
    assert header[-2:] == ["row", "reason"] and header[0] == "First Name"
    assert (row[0], row[2], row[-2]) == ("Liisa", "Mäkelä", "6")
    assert row[-1] == "'liisa.makela@@example.fi' is not a valid e-mail address."
    assert not list(tmp_path.glob("*.tmp"))
    with crm.db.reading() as session:
        action, summary, changes = session.execute(
            text("SELECT action, summary, changes FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).one()
    assert (action, summary) == (
        "import",
        "imported google.csv: 3 created, 0 merged, 0 skipped, 1 rejected",
    )
    assert json.loads(changes)["contacts"] == 5
    assert crm.verify_audit().ok
    (listed,) = crm.import_history.list()
    assert (listed.id, listed.file_name, listed.preset, listed.created) == (
        result.import_id,
        "google.csv",
        "google",
        3,
    )


@pytest.fixture
def anna(crm: Crm) -> str:
    """Anna Virtanen at Acme Oy, with an e-mail, a phone and a tag, no title."""
    return crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Virtanen",
            company="Acme Oy",
            emails=[EmailInput("anna@acme.fi")],
            phones=[PhoneInput("040 111 2222")],
            tags=["vip"],
        ),
    )


DUPLICATES = [
    ["Anna", "Virtanen", "Acme Oy", "CEO", "ANNA@acme.fi", "", "fair"],  # same e-mail
    ["A.", "Virtanen", "Acme Oy", "", "anna.v@home.fi", "+358 40 111 2222", ""],  # same phone
    ["Anna", "Virtane", "Acme Oy", "", "ana@acme.fi", "", "golf"],  # a typo, same company
    ["Anna", "Virtanen", "Other Oy", "", "", "050 999 8888", ""],  # same name elsewhere: new
    ["Pekka", "Lahti", "", "", "pekka@example.fi", "", ""],  # new
    ["Pekka", "Lahti", "", "Driver", "PEKKA@example.fi", "", ""],  # duplicate within the file
]
HEADER = ["First name", "Last name", "Company", "Title", "Email", "Phone", "Tags"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("skip", (2, 0, 4, 0)),
        ("merge", (2, 4, 0, 0)),
        ("create", (6, 0, 0, 0)),
    ],
)
def test_duplicate_policies(
    crm: Crm, anna: str, tmp_path: Path, counts: Counts, policy: str, expected: tuple[int, ...]
) -> None:
    path = write_csv(tmp_path / "dups.csv", HEADER, DUPLICATES)
    before = counts()["contacts"]
    plan = crm.imports.plan(ImportOptions(path, on_duplicate=policy))
    assert counts()["contacts"] == before  # a dry run writes nothing
    result = crm.imports.run(ImportOptions(path, on_duplicate=policy))
    got = (result.created, result.merged, result.skipped, result.rejected)
    assert got == expected
    assert [o.action for o in plan.outcomes] == [o.action for o in result.plan.outcomes]
    # New people, plus "Other Oy" named by one of them.
    assert counts()["contacts"] == before + result.created + 1
    card = crm.queries.card(anna)
    if policy == "merge":
        assert card.title == "CEO"  # filled: it was empty
        assert [e.address for e in card.emails] == ["anna@acme.fi", "anna.v@home.fi", "ana@acme.fi"]
        assert [p.e164 for p in card.phones] == ["+358401112222"]  # not added twice
        assert card.tags == ("fair", "golf", "vip")
        reasons = [o.reason for o in result.plan.outcomes if o.action == "merge"]
        assert reasons[:3] == [
            "same e-mail ANNA@acme.fi as Anna Virtanen (the database)",
            "same phone +358 40 111 2222 as Anna Virtanen (the database)",
            "similar name at Acme Oy as Anna Virtanen (the database)",
        ]
        assert reasons[3] == "same e-mail PEKKA@example.fi as Pekka Lahti (row 6)"
        pekka = crm.queries.card(only(crm, "pekka"))
        assert (pekka.title, [e.address for e in pekka.emails]) == ("Driver", ["pekka@example.fi"])
    else:
        assert (card.title, len(card.emails), card.tags) == ("", 1, ("vip",))
    if policy == "skip":
        skipped = [o.target_id for o in result.plan.outcomes if o.action == "skip"]
        assert skipped == [anna, anna, anna, None]


def test_an_error_mid_file_leaves_the_database_as_it_was(
    crm: Crm, anna: str, tmp_path: Path, counts: Counts
) -> None:
    rows = [[f"Person{i}", "Test", "", "", f"p{i}@example.fi", "", ""] for i in range(12_000)]
    rows[7_000][4] = "not-an-email"
    rows.append(["Anna", "Virtanen", "Acme Oy", "CEO", "anna@acme.fi", "", "merged"])
    path = write_csv(tmp_path / "many.csv", HEADER, rows)
    before = counts()
    seen: list[int] = []

    def crash(done: int, total: int) -> None:
        seen.append(done)
        if done > total // 2 and len([d for d in seen if d > total // 2]) == 2:
            raise RuntimeError("power cut")  # after the first batch of new contacts is written

    with pytest.raises(RuntimeError, match="power cut"):
        crm.imports.run(ImportOptions(path, on_duplicate="merge"), progress=crash)
    assert counts() == before
    assert crm.queries.card(anna).title == ""
    assert not list(tmp_path.glob("many.rejects*"))
    assert crm.import_history.list() == []

    calls = 0

    def cancel_later() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    with pytest.raises(Cancelled, match="nothing was imported"):
        crm.imports.run(ImportOptions(path), cancelled=cancel_later)
    assert counts() == before
    result = crm.imports.run(ImportOptions(path, on_duplicate="merge"))
    assert (result.created, result.merged, result.rejected) == (11_999, 1, 1)
    assert counts()["contacts"] == before["contacts"] + 11_999


def test_undo_after_unrelated_edits_and_an_edited_merge(
    crm: Crm, anna: str, tmp_path: Path, counts: Counts
) -> None:
    other = crm.contacts.create("person", ContactPatch(first_name="Olli", last_name="Muu"))
    before = counts()
    path = write_csv(
        tmp_path / "dups.csv",
        [*HEADER, "Website"],
        [
            ["Anna", "Virtanen", "Acme Oy", "CEO", "anna@acme.fi", "09 123 4567", "fair", "a.fi"],
            ["Pekka", "Lahti", "Lahti Ky", "", "pekka@example.fi", "", "", ""],
            ["Mia", "Koski", "", "", "mia@example.fi", "", "", ""],
        ],
    )
    result = crm.imports.run(ImportOptions(path, on_duplicate="merge"))
    assert (result.created, result.merged) == (2, 1)
    mia = only(crm, "koski")
    # Unrelated edits, an edit of a merged field, and a created contact put to use.
    crm.contacts.update(other, ContactPatch(title="Boss"))
    crm.contacts.update(anna, ContactPatch(website="https://acme.fi"))
    crm.activities.log(mia, "call", "Asked for a quote")
    undone = crm.import_history.undo(result.import_id[:13])
    assert (undone.trashed, undone.restored) == (2, 1)  # Pekka and Lahti Ky; Anna put back
    assert undone.kept == (
        "Anna Virtanen: the website was edited since; kept.",
        "Mia Koski was changed or is in use since the import; not trashed.",
    )
    card = crm.queries.card(anna)
    assert (card.title, card.website, card.tags) == ("", "https://acme.fi", ("vip",))
    assert [p.e164 for p in card.phones] == ["+358401112222"]
    assert crm.queries.card(other).title == "Boss"
    assert counts()["contacts"] == before["contacts"] + 3  # trashed, not deleted
    assert crm.search.search("pekka") == []
    with pytest.raises(NotFound, match="in the trash"):
        crm.contacts.update(only_deleted(crm, "Pekka Lahti"), ContactPatch(title="x"))
    with pytest.raises(ValidationError, match="already undone"):
        crm.import_history.undo(result.import_id)
    assert crm.import_history.get(result.import_id).undone_at is not None
    assert crm.verify_audit().ok


def only_deleted(crm: Crm, name: str) -> str:
    with crm.db.reading() as session:
        return str(
            session.execute(
                text("SELECT id FROM contacts WHERE display_name = :n AND deleted_at IS NOT NULL"),
                {"n": name},
            ).scalar_one()
        )


def test_crmdesk_contacts_csv_imports_without_loss(crm: Crm, tmp_path: Path) -> None:
    company_id = "01940000-0000-7000-8000-0000000000c1"
    person_id = "01940000-0000-7000-8000-0000000000c2"
    rows = [
        {
            "id": person_id,
            "kind": "person",
            "display_name": "Matti Jääskeläinen",
            "first_name": "Matti",
            "last_name": "Jääskeläinen",
            "company": "Rengas Oy",
            "title": "Buyer",
            "stage": "repeat_customer",
            "source": "fair 2025",
            "owner": "nobody-known",
            "emails": "work : matti@rengas.fi\nmatti@example.fi",
            "phones": "mobile : 040 123 4567\nrome : +39 06 1234 5678",
            "addresses": "home : Kotikatu 1 B 4 | 02100 | Espoo | Uusimaa | FI",
            "website": "https://matti.example",
            "birthday": "1975-03-14",
            "tags": "VIP\nWinter, tyres",
            "consent_marketing": "yes",
            "notes": "Line one\nLine two",
            "payment_terms_days": "14",
            "credit_limit": "500.00",
            "discount_percent": "2.5",
            "balance": "120.00",
            "currency": "EUR",
            "created_at": "2024-02-03T04:05:06.000Z",
            "updated_at": "2025-01-01T00:00:00.000Z",
        },
        {
            "id": company_id,
            "kind": "company",
            "display_name": "Rengas Oy",
            "company": "Rengas Oy",
            "stage": "customer",
            "emails": "info@rengas.fi",
            "phones": "main : 09 8765 432",
            "addresses": "office : Teollisuuskatu 5 | 00510 | Helsinki |  | FI",
            "tags": "key account",
            "consent_marketing": "no",
            "payment_terms_days": "30",
            "credit_limit": "10000.00",
            "discount_percent": "5",
            "currency": "EUR",
            "created_at": "2023-05-06T07:08:09.000Z",
        },
    ]
    path = write_csv(
        tmp_path / "contacts.csv", list(CONTACTS), [[r.get(c, "") for c in CONTACTS] for r in rows]
    )
    result = crm.imports.run(ImportOptions(path))
    assert (result.plan.source.preset, result.created, result.new_companies) == ("crmdesk", 2, 0)
    matti = crm.queries.card(person_id)  # the ids are kept
    assert (matti.first_name, matti.last_name, matti.title, matti.stage, matti.source) == (
        "Matti",
        "Jääskeläinen",
        "Buyer",
        "repeat_customer",
        "fair 2025",
    )
    assert matti.company_id == company_id
    assert [(e.label, e.address) for e in matti.emails] == [
        ("work", "matti@rengas.fi"),
        ("", "matti@example.fi"),
    ]
    assert [(p.label, p.raw) for p in matti.phones] == [
        ("mobile", "040 123 4567"),
        ("rome", "+39 06 1234 5678"),
    ]
    (home,) = matti.addresses
    assert (home.label, home.street, home.postal_code, home.city, home.region, home.country) == (
        "home",
        "Kotikatu 1 B 4",
        "02100",
        "Espoo",
        "Uusimaa",
        "FI",
    )
    assert (matti.website, matti.birthday, matti.consent_marketing) == (
        "https://matti.example",
        date(1975, 3, 14),
        True,
    )
    assert matti.tags == ("VIP", "Winter, tyres")
    assert matti.notes == "Line one\nLine two"
    assert matti.terms is not None
    assert (matti.created_at.year, matti.created_at.month, matti.created_at.second) == (2024, 2, 6)
    company = crm.queries.card(company_id)
    assert (company.kind, company.display_name, company.stage) == (
        "company",
        "Rengas Oy",
        "customer",
    )
    assert [(p.label, p.raw) for p in company.phones] == [("main", "09 8765 432")]
    assert company.addresses[0].label == "office"
    assert company.tags == ("key account",)
    assert company.consent_marketing is False
    assert company.terms is not None
    assert (company.terms.payment_terms_days, company.terms.credit_limit_minor) == (30, 1_000_000)
    assert company.terms.discount_bp == 500
    with crm.db.reading() as session:
        person_terms = session.execute(
            text(
                "SELECT payment_terms_days, credit_limit_minor, discount_bp, terms_currency"
                " FROM contacts WHERE id = :id"
            ),
            {"id": person_id},
        ).one()
    assert tuple(person_terms) == (14, 50_000, 250, "EUR")
    # Importing the same file again finds every row already there.
    again = crm.imports.run(ImportOptions(path))
    assert (again.created, again.skipped) == (0, 2)


def test_merges_into_several_contacts_share_one_new_tag_and_company(
    crm: Crm, anna: str, tmp_path: Path
) -> None:
    # Merges are applied one after the other in one transaction: the tag and the
    # company the first merge creates must be found (not made again) by the next.
    erik = crm.contacts.create(
        "person",
        ContactPatch(first_name="Erik", last_name="Berg", emails=[EmailInput("erik@berg.se")]),
    )
    rows = [
        ["Anna", "Virtanen", "", "", "anna@acme.fi", "", "Autumn fair; Ärsyttävä"],
        ["Erik", "Berg", "Nordic Tyres AB", "", "erik@berg.se", "", "autumn FAIR; ärsyttävä"],
        ["Eva", "Berg", "Nordic Tyres AB", "", "eva@berg.se", "", "Autumn fair"],
    ]
    path = write_csv(tmp_path / "tags.csv", HEADER, rows)
    result = crm.imports.run(ImportOptions(path, on_duplicate="merge"))
    assert (result.created, result.merged) == (1, 2)
    assert crm.queries.card(anna).tags == ("Autumn fair", "vip", "Ärsyttävä")
    assert crm.queries.card(erik).tags == ("Autumn fair", "Ärsyttävä")
    with crm.db.reading() as session:
        tags = session.execute(text("SELECT name FROM tags ORDER BY name")).scalars().all()
        companies = session.execute(
            text(
                "SELECT count(*) FROM contacts"
                " WHERE kind = 'company' AND sort_key = 'nordic tyres ab'"
            )
        ).scalar_one()
    assert [t.casefold() for t in tags].count("autumn fair") == 1
    assert [t.casefold() for t in tags].count("ärsyttävä") == 1
    assert companies == 1
    assert crm.verify_audit().ok


def test_records_already_built_are_kept_from_the_collector_until_the_import_ends(
    crm: Crm, tmp_path: Path
) -> None:
    rows = [[f"Person{n}", "Lahti", "", "", f"p{n}@example.fi", "", ""] for n in range(2_500)]
    path = write_csv(tmp_path / "many.csv", HEADER, rows)
    frozen: list[int] = []

    def progress(done: int, total: int) -> None:
        frozen.append(gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    crm.imports.preview(ImportOptions(path))
    assert gc.get_freeze_count() == 0
    crm.imports.plan(ImportOptions(path), progress=progress)
    assert max(frozen) > 0  # after the first chunk, its records were set aside
    assert gc.get_freeze_count() == 0  # and handed back at the end
    frozen.clear()
    result = crm.imports.run(ImportOptions(path), progress=progress)
    assert result.created == 2_500 and max(frozen) > 0
    assert gc.get_freeze_count() == 0

    def cancel_after_first_chunk(done: int, total: int) -> None:
        if gc.get_freeze_count():
            raise Cancelled("The import was cancelled; nothing was imported.")

    other = write_csv(tmp_path / "other.csv", HEADER, [[*r[:4], "x" + r[4], "", ""] for r in rows])
    with pytest.raises(Cancelled):
        crm.imports.run(ImportOptions(other), progress=cancel_after_first_chunk)
    assert gc.get_freeze_count() == 0
