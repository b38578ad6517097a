"""Random and malformed bytes: the readers answer with a CrmdeskError or records, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdesk.errors import CrmdeskError
from crmdesk.interchange.csv_reader import CsvFile
from crmdesk.interchange.import_records import validate
from crmdesk.interchange.presets import mapping_for
from crmdesk.interchange.sniff import sniff
from crmdesk.interchange.vcard_reader import read_vcards

VCARD_BITS = [
    b"BEGIN:VCARD\r\n", b"END:VCARD\r\n", b"VERSION:2.1\r\n", b"N:Doe;Jane\r\n",
    b"EMAIL;TYPE=work:jane@example.fi\r\n", b"TEL;CELL:040 123\r\n", b" folded\r\n",
    b"NOTE;ENCODING=QUOTED-PRINTABLE:a=\r\n", b"=C3=A4=\r\n", b"item1.EMAIL:x\r\n",
    b"ADR:;;a;b;c;d;e;f;g\r\n", b"PHOTO;ENCODING=BASE64:\r\n", b"  AAAA\r\n", b"\r\n",
    b"CATEGORIES:a\\,b,c\r\n", b"BDAY:--0405\r\n", b"FN:\\\r\n", b'TEL;TYPE="a:b":1\r\n',
    b"KIND:org\r\n", b"ORG:;;\r\n", b"\xff\xfe", b"\x00", b"\xe4",
]  # fmt: skip
CSV_BITS = [
    b"First Name,Last Name,E-mail 1 - Value,Phone 1 - Value\n", b"a;b;c\n", b'"', b'""',
    b"\n", b"\r\n", b",", b";", b"\t", b"Anna,Virtanen,a@x.fi,040 1\n", b"\x00", b"\xff",
    b"\xef\xbb\xbf", b"::: ", b"sep=;\n", b"\xe4\xf6", b"x" * 300,
]  # fmt: skip


def _read(data: bytes, suffix: str) -> int:
    """Read ``data`` as the importer does; returns the number of records."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            sniffed = sniff(path)
            if sniffed.format == "vcard":
                raws = list(read_vcards(path, sniffed.encoding))
            else:
                with CsvFile(path, sniffed) as f:
                    mapping, _ = mapping_for(f.header)
                    raws = [mapping.apply(r.row, r.cells) for r in f.rows()]
            return len([validate(r, "FI", "EUR") for r in raws])
        except CrmdeskError:
            return -1


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=2_000))
def test_random_bytes_as_csv(data: bytes) -> None:
    _read(data, ".csv")


@SETTINGS
@given(st.binary(max_size=2_000))
def test_random_bytes_as_vcard(data: bytes) -> None:
    _read(data, ".vcf")


@SETTINGS
@given(st.lists(st.sampled_from(CSV_BITS), max_size=40).map(b"".join))
def test_malformed_csv(data: bytes) -> None:
    _read(data, ".csv")


@SETTINGS
@given(st.lists(st.sampled_from(VCARD_BITS), max_size=40).map(b"".join))
def test_malformed_vcards(data: bytes) -> None:
    _read(data, ".vcf")
