"""The choices a report runs with: the period (dates and presets), "by" and "every"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QWidget

from crmdesk.services.periods import Period, last_months
from crmdesk.services.reports.base import ReportSpec
from crmdesk.ui import fmt
from crmdesk.ui.widgets.common import buddy_label


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _last_month(today: date) -> Period:
    end = _month_start(today) - timedelta(days=1)
    return Period(_month_start(end), end)


def _this_quarter(today: date) -> Period:
    return Period(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)


PRESETS: dict[str, tuple[str, Callable[[date], Period]]] = {
    "this_month": ("This month", lambda today: Period(_month_start(today), today)),
    "last_month": ("Last month", _last_month),
    "this_quarter": ("This quarter", _this_quarter),
    "last_12_months": ("Last 12 months", last_months),
    "this_year": ("This year", lambda today: Period(date(today.year, 1, 1), today)),
    "last_year": (
        "Last year",
        lambda today: Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ),
}
DEFAULT_PRESET = "last_12_months"
CUSTOM = "custom"


def preset_period(name: str, today: date) -> Period:
    """The days a preset (``last_month``...) covers, seen from ``today``."""
    return PRESETS[name][1](today)


def choice_label(value: str) -> str:
    """``Salesperson`` for ``salesperson``: a by/every value as a combo entry."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


class ReportChoices(QWidget):
    """One row: preset, from, to, by, every. ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        super().__init__()
        self._today = today
        self.preset = QComboBox()
        for key, (label, _period) in PRESETS.items():
            self.preset.addItem(label, key)
        self.preset.addItem("Custom dates", CUSTOM)
        self.start, self.end = self._date_edit(), self._date_edit()
        self.by, self.every = QComboBox(), QComboBox()
        self.by.setAccessibleName("Group by")
        self.every.setAccessibleName("Interval")
        self.by_label = buddy_label("&By:", self.by)
        self.every_label = buddy_label("E&very:", self.every)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(buddy_label("&Period:", self.preset))
        layout.addWidget(self.preset)
        layout.addSpacing(8)
        layout.addWidget(buddy_label("&From:", self.start))
        layout.addWidget(self.start)
        layout.addWidget(buddy_label("&To:", self.end))
        layout.addWidget(self.end)
        layout.addSpacing(8)
        for label, combo in ((self.by_label, self.by), (self.every_label, self.every)):
            layout.addWidget(label)
            layout.addWidget(combo)
        layout.addStretch(1)

        self.apply_preset(DEFAULT_PRESET)
        self.preset.activated.connect(lambda _i: self.apply_preset(self.preset.currentData()))
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self._dates_edited)
        for combo in (self.by, self.every):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        loc = fmt.locale()
        edit.setLocale(loc)
        edit.setDisplayFormat(loc.dateFormat(QLocale.FormatType.ShortFormat))
        return edit

    def apply_preset(self, key: str) -> None:
        """Set the dates a preset names (``custom`` leaves them as they are)."""
        self.preset.setCurrentIndex(self.preset.findData(key))
        if key == CUSTOM:
            return
        period = preset_period(key, self._today())
        for edit, day in ((self.start, period.start), (self.end, period.end)):
            assert day is not None
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.changed.emit()

    def _dates_edited(self) -> None:
        self.preset.setCurrentIndex(self.preset.findData(CUSTOM))
        self.changed.emit()

    def set_spec(self, spec: ReportSpec) -> None:
        """Offer the by/every values ``spec`` accepts (hidden when it has none)."""
        for combo, label, values in (
            (self.by, self.by_label, spec.groupings),
            (self.every, self.every_label, spec.intervals),
        ):
            kept = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for value in values:
                combo.addItem(choice_label(value), value)
            combo.setCurrentIndex(max(0, combo.findData(kept)))
            combo.blockSignals(False)
            combo.setVisible(bool(values))
            label.setVisible(bool(values))

    def period(self) -> Period:
        """The days chosen; raises ValidationError when "from" is after "to"."""
        return Period(self.start.date().toPython(), self.end.date().toPython())

    def describe(self) -> str:
        """``1 Dec 2025 – 23 Nov 2026, by product, every month`` for titles and files."""
        period = self.period()
        assert period.start is not None and period.end is not None
        parts = [f"{fmt.day(period.start)} – {fmt.day(period.end)}"]
        for combo, word in ((self.by, "by"), (self.every, "every")):
            if combo.count():
                parts.append(f"{word} {combo.currentText().lower()}")
        return ", ".join(parts)
