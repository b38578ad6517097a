"""How crmdesk's CSV looks: options, locale presets, and turning values into cells.

A cell a spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab or carriage
return first) gets a leading single quote. Numbers are formatted here from
``int`` and ``Decimal`` values, never from text, so a real negative amount
stays a number. Dates and times are written in local time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crmdesk.errors import ValidationError
from crmdesk.interchange.records import UtcTimestamp

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
DECIMALS = (".", ",")
#: Accepted ``--encoding`` names and the Python codec each means.
ENCODINGS = {
    "utf-8-sig": "utf-8-sig",
    "utf-8-bom": "utf-8-sig",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
}
_TOKENS = {"yyyy": "%Y", "yy": "%y", "mm": "%m", "dd": "%d"}
_TOKEN_RE = re.compile("|".join(_TOKENS))
_FIELDS = {
    "%Y": "{0.year:04d}",
    "%y": "{1:02d}",
    "%m": "{0.month:02d}",
    "%d": "{0.day:02d}",
    "%H": "{0.hour:02d}",
    "%M": "{0.minute:02d}",
    "%S": "{0.second:02d}",
    "%%": "%",
}


@dataclass(frozen=True)
class CsvOptions:
    """Delimiter, decimal mark, encoding (Python codec name) and date format."""

    delimiter: str = ","
    decimal: str = "."
    encoding: str = "utf-8-sig"
    date_format: str = "%Y-%m-%d"

    @property
    def datetime_format(self) -> str:
        """The date format followed by the 24-hour time to the second."""
        return self.date_format + " %H:%M:%S"


#: Spreadsheet-friendly combinations per locale: (delimiter, decimal, date format).
LOCALE_PRESETS: dict[str, tuple[str, str, str]] = {
    "en_US": (",", ".", "%m/%d/%Y"),
    "en_GB": (",", ".", "%d/%m/%Y"),
    "en_IE": (",", ".", "%d/%m/%Y"),
    "fi_FI": (";", ",", "%d.%m.%Y"),
    "de_DE": (";", ",", "%d.%m.%Y"),
    "de_AT": (";", ",", "%d.%m.%Y"),
    "de_CH": (";", ".", "%d.%m.%Y"),
    "it_IT": (";", ",", "%d/%m/%Y"),
    "et_EE": (";", ",", "%d.%m.%Y"),
    "sl_SI": (";", ",", "%d.%m.%Y"),
    "fr_FR": (";", ",", "%d/%m/%Y"),
    "es_ES": (";", ",", "%d/%m/%Y"),
    "pt_PT": (";", ",", "%d/%m/%Y"),
    "nl_NL": (";", ",", "%d-%m-%Y"),
    "sv_SE": (";", ",", "%Y-%m-%d"),
    "da_DK": (";", ",", "%d-%m-%Y"),
    "nb_NO": (";", ",", "%d.%m.%Y"),
    "pl_PL": (";", ",", "%d.%m.%Y"),
    "cs_CZ": (";", ",", "%d.%m.%Y"),
}


def resolve_options(
    *,
    locale: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
) -> CsvOptions:
    """Options from a locale preset, each explicit option overriding it."""
    options = CsvOptions()
    if locale:
        key = locale.replace("-", "_").split(".", 1)[0]
        preset = next((v for k, v in LOCALE_PRESETS.items() if k.lower() == key.lower()), None)
        if preset is None:
            known = ", ".join(LOCALE_PRESETS)
            raise ValidationError(f"There is no CSV preset for '{locale}'; use one of {known}.")
        delimiter_, decimal_, date_format_ = preset
        options = CsvOptions(delimiter_, decimal_, date_format=date_format_)
    if delimiter is not None:
        if delimiter not in DELIMITERS:
            raise ValidationError(f"'{delimiter}' is not a delimiter; use ',', ';' or 'tab'.")
        options = replace(options, delimiter=DELIMITERS[delimiter])
    if decimal is not None:
        if decimal not in DECIMALS:
            raise ValidationError(f"'{decimal}' is not a decimal mark; use '.' or ','.")
        options = replace(options, decimal=decimal)
    if encoding is not None:
        codec = ENCODINGS.get(encoding.strip().lower().replace("_", "-"))
        if codec is None:
            raise ValidationError(
                f"'{encoding}' is not an encoding; use utf-8-sig, utf-8 or cp1252."
            )
        options = replace(options, encoding=codec)
    if date_format is not None:
        options = replace(options, date_format=parse_date_format(date_format))
    return options


def parse_date_format(text: str) -> str:
    """``dd.mm.yyyy`` or a ``strftime`` pattern (``%d.%m.%Y``) as a ``strftime`` pattern."""
    pattern = text if "%" in text else _TOKEN_RE.sub(lambda m: _TOKENS[m[0]], text.lower())
    directives = set(re.findall(r"%.", pattern))
    months, years = {"%m", "%b", "%B"}, {"%Y", "%y"}
    if "%d" not in directives or not directives & months or not directives & years:
        raise ValidationError(
            f"'{text}' is not a date format with day, month and year, like dd.mm.yyyy or %d.%m.%Y."
        )
    try:
        date(2026, 11, 23).strftime(pattern)
    except ValueError:
        raise ValidationError(f"'{text}' is not a valid date format.") from None
    return pattern


def neutralize(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def format_utc_text(value: datetime) -> str:
    """An aware datetime as a :class:`UtcTimestamp`'s text."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}Z"


def _compile(pattern: str) -> Callable[[datetime | date], str]:
    """A fast formatter for the common directives; ``strftime`` for any other."""
    parts = re.split(r"(%.)", pattern)
    if any(p.startswith("%") and p not in _FIELDS for p in parts):
        return lambda value: value.strftime(pattern)
    template = "".join(
        _FIELDS[p] if p.startswith("%") else p.replace("{", "{{").replace("}", "}}") for p in parts
    ).format
    return lambda value: template(value, value.year % 100)


class CellFormatter:
    """Turns typed values into the text of cells.

    ``None`` is empty, ``bool`` is ``yes``/``no``, ``int`` and ``Decimal`` are
    plain numbers in the chosen decimal style, ``datetime`` and
    :class:`~crmdesk.interchange.records.UtcTimestamp` are local time,
    ``date`` uses the date format, a list or tuple is one value per line, and
    any text is neutralized.
    """

    def __init__(self, options: CsvOptions) -> None:
        self.options = options
        self._date = _compile(options.date_format)
        self._datetime = _compile(options.datetime_format)
        self._hours: dict[str, str] = {}
        self._dates: dict[date, str] = {}
        comma = options.decimal == ","
        self._number: Callable[[Decimal], str] = (
            (lambda d: format(d, "f").replace(".", ",")) if comma else (lambda d: format(d, "f"))
        )
        self._by_type: dict[type, Callable[[Any], str]] = {
            str: neutralize,
            bool: lambda v: "yes" if v else "no",
            int: str,
            Decimal: self._number,
            datetime: self.local_datetime,
            UtcTimestamp: self.local_timestamp,
            date: self.local_date,
            type(None): lambda _v: "",
            list: self._lines,
            tuple: self._lines,
        }

    def local_datetime(self, value: datetime) -> str:
        """An aware datetime in local time (a naive one is taken as UTC)."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return self.local_timestamp(UtcTimestamp(format_utc_text(value)))

    def local_timestamp(self, text: UtcTimestamp) -> str:
        """A stored UTC timestamp in local time.

        Local time is worked out once per UTC hour (zones move by whole hours
        at hour boundaries); minutes and seconds are copied from the text.
        Zones with a part-hour offset take the exact path every time.
        """
        head = self._hours.get(text[:13])
        if head is None:
            local = text.moment().astimezone()
            offset = local.utcoffset()
            if offset is None or offset.seconds % 3600:
                return self._datetime(local)
            if len(self._hours) > 100_000:
                self._hours.clear()
            head = self._hours[text[:13]] = self._datetime(local.replace(minute=0, second=0))[:-6]
        return head + text[13:19]

    def local_date(self, value: date) -> str:
        """A calendar date in the date format (formatted once per day seen)."""
        text = self._dates.get(value)
        if text is None:
            if len(self._dates) > 100_000:
                self._dates.clear()
            text = self._dates[value] = self._date(value)
        return text

    def cell(self, value: object) -> str:
        """The text of one cell."""
        convert = self._by_type.get(type(value))
        if convert is None:
            return neutralize(str(value))
        return convert(value)

    def row(self, values: Sequence[object], checked: Sequence[int] | None = None) -> list[object]:
        """The cells of one row, for ``csv.writer``.

        Clean text, integers and None (an empty cell) go through as they are.
        ``checked`` limits the work to those column positions; the others
        must hold values that never need it (ids, codes).
        """
        cells = list(values)
        by_type, cell = self._by_type, self.cell
        for i in range(len(cells)) if checked is None else checked:
            v = cells[i]
            t = type(v)
            if t is str:
                if v and v[0] in FORMULA_STARTS:  # type: ignore[index]
                    cells[i] = "'" + v  # type: ignore[operator]
            elif t is not int and v is not None:
                cells[i] = by_type.get(t, cell)(v)
        return cells

    def columns(
        self, batch: Sequence[Sequence[object]], checked: Sequence[int] | None = None
    ) -> list[Sequence[object]]:
        """The cells of ``batch`` (rows of values), column by column, as :meth:`row` gives them.

        A column holding one type of value (and None) is converted in one
        pass, with no per-cell type dispatch.
        """
        if not batch:
            return []
        cols: list[Sequence[object]] = list(zip(*batch, strict=True))
        for i in range(len(cols)) if checked is None else checked:
            cols[i] = self._column(cols[i])
        return cols

    def _column(self, values: Sequence[object]) -> Sequence[object]:
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if not kinds or kinds == {int}:
            return values
        if kinds == {str}:
            starts = FORMULA_STARTS
            return [("'" + v) if v and v[0] in starts else v for v in values]  # type: ignore
        if len(kinds) == 1:
            convert = self._by_type.get(kinds.pop(), self.cell)
            return [v if v is None else convert(v) for v in values]
        return [self.row((v,))[0] for v in values]

    def _lines(self, values: Sequence[object]) -> str:
        if not values:
            return ""
        return neutralize("\n".join(str(v) for v in values))
