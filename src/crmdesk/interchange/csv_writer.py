"""A streaming CSV writer: one header row, then typed rows in batches, as bytes.

Each batch is formatted and encoded as a whole, so a row the chosen encoding
cannot hold is found before anything of its batch reaches the file, and the
error names the row, the column and the character.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from crmdesk.errors import ExportError
from crmdesk.interchange.csv_format import CellFormatter, CsvOptions


class _Lines:
    """A file-like sink for ``csv.writer`` that keeps what it is given."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


#: Columns that hold only crmdesk's own ids and codes (UUIDs, ISO currency, enums).
PLAIN_COLUMNS = frozenset({"kind", "currency", "stage", "priority", "recurrence", "status"})


def _plain(name: str) -> bool:
    return name == "id" or name.endswith("_id") or name in PLAIN_COLUMNS


class CsvWriter:
    """Writes rows of typed values (in ``columns`` order) to a binary file."""

    def __init__(self, out: BinaryIO, columns: Sequence[str], options: CsvOptions) -> None:
        self.out = out
        self.columns = tuple(columns)
        self.options = options
        self.formatter = CellFormatter(options)
        self._sink = _Lines()
        self._csv = csv.writer(
            self._sink, delimiter=options.delimiter, lineterminator="\r\n", quotechar='"'
        )
        self._codec = options.encoding
        self.rows_written = 0
        # Ids and codes never need formatting or neutralizing: skip those columns.
        self._checked = [i for i, name in enumerate(self.columns) if not _plain(name)]
        self._write_text([list(self.columns)], header=True)
        # The BOM (utf-8-sig) comes once, at the start: later batches are plain UTF-8.
        if self._codec == "utf-8-sig":
            self._codec = "utf-8"

    def write_rows(self, rows: Iterable[Sequence[object]]) -> int:
        """Format and write one batch of rows; returns how many."""
        row, checked = self.formatter.row, self._checked
        cells = [row(values, checked) for values in rows]
        self._write_text(cells)
        self.rows_written += len(cells)
        return len(cells)

    def _write_text(self, cells: Sequence[Sequence[object]], header: bool = False) -> None:
        self._csv.writerows(cells)
        text = self._sink.take()
        try:
            data = text.encode(self._codec)
        except UnicodeEncodeError:
            raise self._unencodable(cells, header) from None
        self.out.write(data)

    def _unencodable(self, cells: Sequence[Sequence[object]], header: bool) -> ExportError:
        """The error for the first cell of a batch that the encoding cannot hold."""
        for offset, row in enumerate(cells):
            for column, value in zip(self.columns, row, strict=False):
                cell = "" if value is None else str(value)
                try:
                    cell.encode(self._codec)
                except UnicodeEncodeError as exc:
                    char = cell[exc.start]
                    name = unicodedata.name(char, "")
                    what = f"'{char}' (U+{ord(char):04X}{' ' + name if name else ''})"
                    # Row 1 is the header; data rows follow it.
                    line = 1 if header else self.rows_written + offset + 2
                    return ExportError(
                        f"Row {line}, column {column}, holds the character {what}, which "
                        f"{self.options.encoding} cannot encode; export as UTF-8 instead."
                    )
        return ExportError(f"The export cannot be encoded as {self.options.encoding}.")
