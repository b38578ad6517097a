"""Random and malformed files through the import service on a real database:
either the import is refused with a CrmdeskError and nothing changed, or it
ran and changed exactly what it reports."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdesk.errors import CrmdeskError
from crmdesk.services.app import Crm
from crmdesk.services.imports import ImportOptions

Counts = Callable[[], dict[str, int]]
PIECES = [
    b"First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Organization Name\n",
    b"Anna,Virtanen,anna@example.fi,040 111 2222,Acme Oy\n",
    b"Anna,Virtanen,ANNA@example.fi,,\n", b"Bob,,bob@@x,,\n", b',,,"\n', b"\xe4\xf6,\xff\n",
    b"BEGIN:VCARD\r\nN:Doe;Jane\r\nEMAIL:jane@example.fi\r\nEND:VCARD\r\n", b"BEGIN:VCARD\r\n",
    b"TEL:050 1\r\n", b";", b"\n", b"\x00", b"Pekka,Lahti,,+358 50 123 4567,Lahti Ky\n",
]  # fmt: skip


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.binary(max_size=500), st.lists(st.sampled_from(PIECES), max_size=12).map(b"".join)
    ),
    st.sampled_from([".csv", ".vcf"]),
    st.sampled_from(["skip", "merge", "create"]),
)
def test_no_partial_import(crm: Crm, counts: Counts, data: bytes, suffix: str, policy: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        before = counts()
        try:
            result = crm.imports.run(ImportOptions(path, on_duplicate=policy))
        except CrmdeskError:
            assert counts() == before
            return
        after = counts()
        assert after["contacts"] - before["contacts"] == result.created + result.new_companies
        assert after["contact_fts"] - before["contact_fts"] == result.created + result.new_companies
        assert after["audit_log"] - before["audit_log"] >= 1  # the import, and each merge
        rows = result.created + result.merged + result.skipped + result.rejected
        assert rows == len(result.plan.outcomes)
        assert (result.rejects_path is not None) == (result.rejected > 0)
