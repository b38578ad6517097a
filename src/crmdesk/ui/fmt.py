"""Showing money, dates and labels the way the user's locale writes them."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtWidgets import QDateTimeEdit

from crmdesk.domain.money import Money, format_money
from crmdesk.domain.stages import ActivityKind, ComplaintStatus, DealStage, Stage

_locale_name = ""


def set_locale(name: str) -> None:
    """Use ``name`` (``fi_FI``) for numbers and dates; empty means the system's."""
    global _locale_name
    _locale_name = name


def locale() -> QLocale:
    """The QLocale numbers and dates are shown in."""
    return QLocale(_locale_name) if _locale_name else QLocale.system()


def money(minor: int, currency: str) -> str:
    """``1 234,50 EUR`` in the user's locale."""
    return format_money(Money(minor, currency), locale().name())


def local(dt: datetime) -> datetime:
    """An aware UTC datetime in the computer's time zone."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone()


def to_qdatetime(dt: datetime) -> QDateTime:
    """A local QDateTime for an aware datetime."""
    wall = local(dt)
    return QDateTime(QDate(wall.year, wall.month, wall.day), QTime(wall.hour, wall.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    """An aware UTC datetime from a local QDateTime."""
    d, t = value.date(), value.time()
    wall = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())
    return wall.astimezone().astimezone(UTC)


def picked_time(edit: QDateTimeEdit) -> datetime | None:
    """The time a date-time field says, or None (meaning "now") if the user left it alone.

    The field shows whole minutes; "now" keeps the seconds, so an entry logged
    now sorts after one logged earlier in the same minute.
    """
    initial = edit.property("initial")
    if isinstance(initial, QDateTime) and initial == edit.dateTime():
        return None
    return from_qdatetime(edit.dateTime())


def now_edit() -> QDateTimeEdit:
    """A date-time field showing now, with a calendar; see :func:`picked_time`."""
    edit = datetime_edit(QDateTime.currentDateTime())
    edit.setProperty("initial", edit.dateTime())
    return edit


def datetime_edit(value: QDateTime) -> QDateTimeEdit:
    """A date-time field in the user's locale, with a calendar popup."""
    edit = QDateTimeEdit(value)
    loc = locale()
    edit.setLocale(loc)
    edit.setDisplayFormat(loc.dateTimeFormat(QLocale.FormatType.ShortFormat))
    edit.setCalendarPopup(True)
    return edit


def day(d: date) -> str:
    """A date in the locale's short format."""
    return locale().toString(QDate(d.year, d.month, d.day), QLocale.FormatType.ShortFormat)


def clock(dt: datetime) -> str:
    """The local time of day, ``14:05``."""
    wall = local(dt)
    return locale().toString(QTime(wall.hour, wall.minute), QLocale.FormatType.ShortFormat)


def when(dt: datetime, now: datetime | None = None) -> str:
    """Short and relative: ``Today 14:05``, ``Yesterday 09:10``, ``Fri 08:00`` within a
    week, ``12 Nov 14:05`` this year, else ``12 Nov 2025``."""
    wall = local(dt)
    today = local(now or datetime.now(UTC)).date()
    names = {
        today: "Today",
        today - timedelta(days=1): "Yesterday",
        today + timedelta(days=1): "Tomorrow",
    }
    loc = locale()
    qdate = QDate(wall.year, wall.month, wall.day)
    if wall.date() in names:
        return f"{names[wall.date()]} {clock(dt)}"
    if abs((wall.date() - today).days) < 7:
        return f"{loc.toString(qdate, 'ddd')} {clock(dt)}"
    if wall.year == today.year:
        return f"{loc.toString(qdate, 'd MMM')} {clock(dt)}"
    return loc.toString(qdate, "d MMM yyyy")


def stage_label(value: str) -> str:
    """``Repeat customer`` for ``repeat_customer``."""
    try:
        return Stage(value).label
    except ValueError:
        return value


def kind_label(value: str) -> str:
    """``E-mail`` for ``email``."""
    try:
        return ActivityKind(value).label
    except ValueError:
        return value.capitalize()


def status_label(value: str | None) -> str:
    """``In progress`` for ``in_progress``."""
    try:
        return ComplaintStatus(value or "open").label
    except ValueError:
        return value or ""


def deal_stage_label(value: str) -> str:
    """``Negotiation`` for ``negotiation``."""
    try:
        return DealStage(value).label
    except ValueError:
        return value


def esc(text: str) -> str:
    """Text made safe for Qt rich text, line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def percent(basis_points: int) -> str:
    """``5 %`` or ``2.5 %`` from basis points."""
    whole, rest = divmod(basis_points, 100)
    text = str(whole) if not rest else f"{basis_points / 100:g}"
    return f"{text.replace('.', locale().decimalPoint())}\u00a0%"


def number(value: float, decimals: int = 0) -> str:
    """``1,234`` or ``1,234.50`` with the locale's group separator and decimal mark."""
    if decimals == 0 and abs(value) < 2**62:  # Qt's integers are 64-bit
        return locale().toString(round(value))
    return locale().toString(float(value), "f", decimals)


def decimals_needed(values: Iterable[float], most: int = 2) -> int:
    """The fewest decimals (up to ``most``) that show every one of ``values`` exactly."""
    numbers = list(values)
    for places in range(most):
        scale = 10**places
        if all(abs(v * scale - round(v * scale)) < 1e-9 for v in numbers):
            return places
    return most
