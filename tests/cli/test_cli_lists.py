"""``crmdesk list``: saving, showing, running, exporting and following up a smart list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crmdesk.cli import main
from crmdesk.errors import ListNameTaken, QueryInvalid, UnknownList


@pytest.fixture
def shop(db_cli) -> None:
    """Three customers: two bought long ago, one lately; one is a lead."""
    for first, stage in (("Matti", "customer"), ("Katja", "customer"), ("Leo", "lead")):
        added = db_cli("contact", "add", "--first", first, "--last", "Virta", "--stage", stage)
        assert added.code == 0, added.err
    for first, at in (("Matti Virta", "2025-01-15 12:00"), ("Katja Virta", "+0d")):
        bought = db_cli("purchase", first, "--item", "Winter tyre:4:100", "--at", at)
        assert bought.code == 0, bought.err


@pytest.mark.slow
def test_add_show_run_and_delete_a_list(db_cli, shop: None) -> None:
    added = db_cli(
        "list", "add", "Lapsed buyers",
        "--where", "stage = customer",
        "--where", "last purchase more than 90 days ago",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert "1 contact on it now." in added.out
    shown = db_cli("list", "show", "lapsed BUYERS", "--json").json()
    assert shown["conditions"] == ["stage is customer", "last purchase more than 90 days ago"]
    assert (shown["match"], shown["count"]) == ("all", 1)
    ran = db_cli("list", "run", "Lapsed buyers")
    assert ran.code == 0
    assert "Matti Virta" in ran.out and "Katja" not in ran.out
    assert [r["display_name"] for r in db_cli("list", "run", "Lapsed buyers", "--json").json()] == [
        "Matti Virta"
    ]
    listed = db_cli("list", "--json").json()
    assert [entry["name"] for entry in listed] == ["Lapsed buyers"]
    assert db_cli("list", "rename", "Lapsed buyers", "Win back").code == 0
    assert db_cli("list", "delete", "Win back").code == 0
    assert db_cli("list").out.startswith("No saved lists yet.")


@pytest.mark.slow
def test_any_and_edit(db_cli, shop: None) -> None:
    assert db_cli("list", "add", "Either", "--where", "stage is lead",
                  "--where", "last purchase in the last 7 days", "--any").code == 0  # fmt: skip
    names = [r["display_name"] for r in db_cli("list", "run", "Either", "--json").json()]
    assert names == ["Katja Virta", "Leo Virta"]
    assert db_cli("list", "edit", "Either", "--where", "bought winter tyre").code == 0
    names = [r["display_name"] for r in db_cli("list", "run", "Either", "--json").json()]
    assert names == ["Katja Virta", "Matti Virta"]


@pytest.mark.slow
def test_errors_have_their_own_exit_codes(db_cli, shop: None) -> None:
    bad = db_cli("list", "add", "X", "--where", "colour is red")
    assert bad.code == QueryInvalid.exit_code == 56
    assert "'colour is red' does not start with a field" in bad.err
    assert "Traceback" not in bad.err
    assert db_cli("list", "show", "nothing").code == UnknownList.exit_code == 57
    assert db_cli("list", "add", "Leads", "--where", "stage is lead").code == 0
    taken = db_cli("list", "add", "leads", "--where", "stage is lead")
    assert taken.code == ListNameTaken.exit_code == 58
    assert "already a list called 'Leads'" in taken.err


@pytest.mark.slow
def test_export_and_followups(db_cli, shop: None, tmp_path: Path) -> None:
    assert db_cli("list", "add", "Customers", "--where", "stage is customer").code == 0
    out = tmp_path / "customers.csv"
    done = db_cli("list", "export", "Customers", "--out", str(out), "--locale", "fi_FI")
    assert done.code == 0, done.err
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh, delimiter=";"))
    assert sorted(r["display_name"] for r in table) == ["Katja Virta", "Matti Virta"]
    again = db_cli("list", "export", "Customers", "--out", str(out))
    assert again.code == 15 and "already exists" in again.err
    made = db_cli("list", "followups", "Customers", "--text", "Offer winter service",
                  "--due", "2030-01-07 09:00", "--json")  # fmt: skip
    assert made.code == 0, made.err
    assert made.json()["created"] == 2
    pending = db_cli("followup", "list", "--json").json()
    assert sorted(f["contact_name"] for f in pending) == ["Katja Virta", "Matti Virta"]
    assert {f["text"] for f in pending} == {"Offer winter service"}


def test_help_explains_the_grammar(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["list", "add", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'last purchase more than 90 days ago'" in text
    assert "Fields: name, company, stage" in text
