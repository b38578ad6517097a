"""The streaming CSV writer: header, encodings, batches, errors."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmdesk.errors import ExportError
from crmdesk.interchange.columns import PAYMENTS
from crmdesk.interchange.csv_format import CsvOptions, resolve_options
from crmdesk.interchange.csv_writer import CsvWriter


def test_header_once_bom_once_crlf_and_batches() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, ["id", "name", "amount", "currency"], resolve_options(locale="fi_FI"))
    writer.write_rows([("a1", "Anna", Decimal("-12.50"), "EUR")])
    writer.write_rows([("a2", "=HYPERLINK(x)", Decimal("3.00"), "EUR"), ("a3", None, 7, "EUR")])
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbfid;name;amount;currency\r\n")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.decode("utf-8-sig").split("\r\n") == [
        "id;name;amount;currency",
        "a1;Anna;-12,50;EUR",
        "a2;'=HYPERLINK(x);3,00;EUR",
        "a3;;7;EUR",
        "",
    ]
    assert writer.rows_written == 3


def test_multi_line_cells_are_quoted_and_read_back() -> None:
    out = io.BytesIO()
    CsvWriter(out, ["id", "emails"], CsvOptions(encoding="utf-8")).write_rows(
        [("x", ["a@b.fi", "c;d@e.fi"])]
    )
    rows = list(csv.reader(io.StringIO(out.getvalue().decode(), newline="")))
    assert rows == [["id", "emails"], ["x", "a@b.fi\nc;d@e.fi"]]


def test_cp1252_writes_what_it_can_hold() -> None:
    out = io.BytesIO()
    CsvWriter(out, ["name"], CsvOptions(encoding="cp1252")).write_rows([("Jääskeläinen €",)])
    assert out.getvalue() == "name\r\nJääskeläinen €\r\n".encode("cp1252")


def test_cp1252_names_the_row_column_and_character() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, PAYMENTS, CsvOptions(encoding="cp1252"))
    row = ("p1", None, "c1", "Anna", "", Decimal("1.00"), "EUR", "ok")
    writer.write_rows([row, row])
    written = out.getvalue()
    bad = ("p3", None, "c2", "Anna", "", Decimal("1.00"), "EUR", "Katja Zupančič")
    with pytest.raises(ExportError) as caught:
        writer.write_rows([row, bad])
    assert str(caught.value) == (
        "Row 5, column text, holds the character 'č' (U+010D LATIN SMALL LETTER C WITH CARON), "
        "which cp1252 cannot encode; export as UTF-8 instead."
    )
    assert out.getvalue() == written  # nothing of the failed batch reached the file


CELL_TEXT = st.text(alphabet=st.sampled_from(list('ab ,;\t"\r\né')), max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), max_size=8),
    delimiter=st.sampled_from([",", ";", "tab"]),
    width=st.sampled_from([1, 3]),
)
def test_text_is_what_csv_writer_writes(rows: list[list[str]], delimiter: str, width: int) -> None:
    """Cells are joined by hand for speed: quoting must stay exactly csv.writer's."""
    options = resolve_options(delimiter=delimiter, encoding="utf-8")
    names = ["id", "a_id", "b_id"][:width]  # ids: no formatting, so the quoting shows alone
    out = io.BytesIO()
    CsvWriter(out, names, options).write_rows([row[:width] for row in rows])
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, delimiter=options.delimiter, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows(row[:width] for row in rows)
    assert out.getvalue().decode() == expected.getvalue()


def test_a_later_part_has_no_header_and_no_bom() -> None:
    out = io.BytesIO()
    writer = CsvWriter(out, ["id", "name"], CsvOptions(), header=False)
    writer.write_rows([("a1", "Anna")])
    assert out.getvalue() == b"a1,Anna\r\n"
