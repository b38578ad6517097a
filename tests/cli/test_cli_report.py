"""``crmdesk report``: the list, the printed table, --json, --csv and the exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.cli.conftest import Runner

from crmdesk.cli.report_command import table_lines
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.reports import SPECS
from crmdesk.services.reports.base import Table


def _purchases(db_cli: Runner) -> None:
    assert db_cli("contact", "add", "--first", "Anna", "--last", "Aho").code == 0
    assert db_cli("contact", "add", "--first", "Ben", "--last", "Berg").code == 0
    for who, item, at in (
        ("Anna Aho", "Widget:2:10.50", "2026-02-10 12:00"),
        ("Anna Aho", "Gadget:1:100", "2026-03-05 12:00"),
        ("Ben Berg", "Widget:1:10.50", "2026-03-20 12:00"),
        ("Ben Berg", "Widget:4:10.50", "2025-03-20 12:00"),  # the year before
    ):
        assert db_cli("purchase", who, "--item", item, "--at", at).code == 0


def test_help_names_every_report_with_its_description(
    db_cli: Runner, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        db_cli("report", "--help")
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for spec in SPECS.values():
        assert f"{spec.name} {spec.description}" in text
    listed = db_cli("report", "--list", "--json").json()
    assert [r["name"] for r in listed] == list(SPECS)
    assert db_cli("report", "list").out.startswith("sales ")


def test_sales_by_product_prints_an_aligned_table_and_findings(db_cli: Runner) -> None:
    _purchases(db_cli)

    result = db_cli(
        "report", "sales", "--from", "2026-01-01", "--to", "2026-12-31", "--by", "product"
    )

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Sales over time, 2026-01-01 to 2026-12-31"
    header = next(line for line in lines if line.startswith("product"))
    widget = next(line for line in lines if line.startswith("Widget"))
    gadget = next(line for line in lines if line.startswith("Gadget"))
    end = header.index("sales EUR") + len("sales EUR")
    assert widget[:end].endswith(" 31.5") and gadget[:end].endswith(" 100.0")  # right-aligned
    assert widget.split()[1:] == ["31.5", "24", "2", "42", "-25"]  # 3 × 10.50 of 131.50
    assert (
        "* Sales were 132 EUR from 3 purchases, +213% on the previous 12 months, "
        "but so few purchases may differ by chance." in result.out
    )


def test_json_holds_every_table_and_the_chart(db_cli: Runner) -> None:
    _purchases(db_cli)

    data = db_cli("report", "sales", "--from", "2026-01-01", "--to", "2026-03-31", "--json").json()

    assert data["report"] == "sales" and data["from"] == "2026-01-01"
    rows = data["tables"][0]["rows"]
    assert [row[:3] for row in rows] == [
        ["2026-01", 0.0, 0],
        ["2026-02", 21.0, 1],
        ["2026-03", 110.5, 2],
    ]
    assert data["chart"]["kind"] == "line"
    journey = db_cli("report", "journey", "--by", "source", "--every", "week", "--json").json()
    assert journey["tables"][0]["columns"][:2] == ["source", "leads"]


def test_csv_uses_the_spreadsheet_options(db_cli: Runner, tmp_path: Path) -> None:
    _purchases(db_cli)
    out = tmp_path / "sales.csv"

    result = db_cli(
        "report", "sales", "--from", "2026-01-01", "--to", "2026-03-31",
        "--csv", str(out), "--locale", "fi_FI",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert result.out.strip() == f"Wrote 3 rows of 'Sales' to {out}."
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][:3] == ["period", "sales EUR", "purchases"]
    assert rows[3][:3] == ["2026-03", "110,5", "2"]


def test_wrong_report_choice_and_date_have_their_exit_codes(db_cli: Runner) -> None:
    unknown = db_cli("report", "nope")
    assert unknown.code == NotFound.exit_code
    assert "There is no report called 'nope'; choose one of sales, journey" in unknown.err
    grouping = db_cli("report", "journey", "--by", "product")
    assert grouping.code == ValidationError.exit_code
    assert "--by must be one of total, source, not 'product'." in grouping.err
    day = db_cli("report", "sales", "--from", "March")
    assert day.code == ValidationError.exit_code
    assert "--from 'March' is not a date like 2026-10-31." in day.err
    backwards = db_cli("report", "sales", "--from", "2026-05-01", "--to", "2026-04-01")
    assert backwards.code == ValidationError.exit_code


def test_empty_table_says_so() -> None:
    lines = table_lines(Table("Sales", ("period", "sales"), ()))
    assert lines == ["period  sales", "------  -----", "(nothing in this period)"]
