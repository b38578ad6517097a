"""Reading a CSV file of contacts, row by row, whatever its encoding and delimiter.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the
first contact is row 2 (a quoted cell with line breaks is still one row).
Rows with nothing in them are skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from crmdesk.errors import UnreadableFile
from crmdesk.interchange.sniff import Sniffed


class CsvRow(NamedTuple):
    """One data row: its number (header = 1) and cells (a tuple: one per row, made cheaply)."""

    row: int
    cells: list[str]


class CsvFile:
    """A CSV file opened for reading: its header, then its rows, streamed."""

    def __init__(self, path: Path, sniffed: Sniffed) -> None:
        self.path = path
        self.sniffed = sniffed
        self.delimiter = sniffed.delimiter or ","
        self._file: TextIO = path.open(encoding=sniffed.encoding, newline="")
        self._row = 0
        try:
            first = self._file.readline()
            if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
                self.delimiter = first.strip()[4]  # Excel's "sep=;" hint line
                self._row = 1
            else:
                self._file.seek(0)
            self._reader = csv.reader(self._file, delimiter=self.delimiter)
            self.header = self._read_header()
        except BaseException:
            self._file.close()
            raise

    def _read_header(self) -> list[str]:
        for cells in self._cells():
            if any(c.strip() for c in cells):
                return [c.strip().lstrip("\ufeff") for c in cells]
        raise UnreadableFile(f"{self.path.name} has no header row; there is nothing to import.")

    def _cells(self) -> Iterator[list[str]]:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UnreadableFile(
                    f"Row {self._row + 1} of {self.path.name} cannot be read as CSV ({exc})."
                ) from None
            except UnicodeError:
                raise UnreadableFile(
                    f"Row {self._row + 1} of {self.path.name} is not valid "
                    f"{self.sniffed.encoding} text."
                ) from None
            self._row += 1
            yield cells

    def rows(self) -> Iterator[CsvRow]:
        """The data rows after the header, empty rows left out."""
        for cells in self._cells():
            if any(c.strip() for c in cells):
                yield CsvRow(self._row, cells)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
