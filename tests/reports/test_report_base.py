"""The report contract, buckets, periods, and the activity-volume report."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.audit_trail import AuditFilter
from crmdesk.services.inputs import ContactPatch
from crmdesk.services.periods import Period, last_months
from crmdesk.services.reports.buckets import bucket_labels


def test_month_and_week_labels_cover_the_period() -> None:
    assert bucket_labels(Period(date(2026, 1, 15), date(2026, 3, 2)), "month") == (
        "2026-01",
        "2026-02",
        "2026-03",
    )
    weeks = bucket_labels(Period(date(2025, 12, 29), date(2026, 1, 12)), "week")
    assert weeks == ("2026-W01", "2026-W02", "2026-W03")


def test_previous_period_has_the_same_length() -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert period.previous() == Period(date(2026, 1, 29), date(2026, 2, 28))
    assert last_months(date(2026, 2, 10)) == Period(date(2025, 3, 1), date(2026, 2, 10))


def test_activity_report_counts_per_month_and_kind(crm: Crm, tmp_path: Path) -> None:
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    for month, kind in ((1, "call"), (1, "call"), (2, "meeting"), (3, "call")):
        crm.activities.log(anna, kind, "talked", at=datetime(2026, month, 10, 12, tzinfo=UTC))
    crm.activities.log(anna, "call", "outside", at=datetime(2025, 12, 10, 12, tzinfo=UTC))

    result = crm.reports.run("activity", Period(date(2026, 1, 1), date(2026, 3, 31)))

    table = result.tables[0]
    assert table.columns == ("period", "call", "meeting", "total")
    assert table.rows == (("2026-01", 2, 0, 2), ("2026-02", 0, 1, 1), ("2026-03", 1, 0, 1))
    assert result.chart is not None
    assert [s.name for s in result.chart.series] == ["call", "meeting"]

    out = tmp_path / "activity.csv"
    assert crm.reports.save_csv(result, out) == 3
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["2026-01", "2", "0", "2"]
    crm.reports.save_json(result, tmp_path / "activity.json")
    saved = json.loads((tmp_path / "activity.json").read_text("utf-8"))
    assert saved["tables"][0]["rows"][2] == ["2026-03", 1, 0, 1]
    exports = crm.audit.rows(crm.audit.seqs(AuditFilter(action="export")))
    assert [e.summary for e in reversed(exports)] == [
        "report activity (3 rows) to activity.csv",
        "report activity (3 rows) to activity.json",
    ]


def test_unknown_report_and_choice_are_named(crm: Crm) -> None:
    with pytest.raises(NotFound, match="no report called 'nope'"):
        crm.reports.run("nope")
    with pytest.raises(ValidationError, match="--every must be one of month, week"):
        crm.reports.run("activity", every="year")
