"""``crmdesk import``: a file (dry run, mapping, duplicates), the list, undo, help."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crmdesk.errors import NotFound, UnreadableFile, ValidationError
from crmdesk.interchange.mapping import FIELDS

SAMPLES = Path(__file__).parent.parent / "fixtures" / "interchange"


def test_help_lists_every_field(cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli("import", "--help")
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for name in ("first_name", "last_name", "company", "title", "email", "phone", "street",
                 "city", "postal_code", "country", "website", "birthday", "notes", "tags",
                 "stage"):  # fmt: skip
        assert f"  {name} " in text
    assert all(f"  {name} " in text for name in FIELDS)
    assert "--on-duplicate {skip,merge,create}" in text
    assert "crmdesk import undo ID" in text


def test_dry_run_then_import_list_and_undo(db_cli, tmp_path: Path) -> None:
    path = shutil.copy(SAMPLES / "outlook.csv", tmp_path / "outlook.csv")
    dry = db_cli("import", str(path), "--dry-run")
    assert dry.code == 0, dry.err
    assert "outlook.csv: csv, cp1252, delimiter ',', preset outlook." in dry.out
    assert "Dry run, nothing imported: 2 would be created" in dry.out
    assert db_cli("search", "ekström").out.strip() == "Nothing found."
    done = db_cli("import", str(path))
    assert done.code == 0, done.err
    assert "Imported outlook.csv: 2 created (and 1 new companies), 0 merged" in done.out
    assert "Sören Ekström" in db_cli("search", "ekström").out
    again = db_cli("import", str(path), "--on-duplicate", "skip")
    assert "row 2 skipped Sören Ekström: same e-mail soren.ekstrom@dackfalg.se" in again.out
    listed = db_cli("import", "list").out.splitlines()
    assert len(listed) == 2 and "outlook.csv  2 created" in listed[1]
    first_id = listed[1].split()[0]
    undo = db_cli("import", "undo", first_id)
    assert undo.code == 0, undo.err
    assert "Import undone: 3 contacts moved to the trash" in undo.out
    assert db_cli("search", "ekström").out.strip() == "Nothing found."
    assert "UNDONE" in db_cli("import", "list").out
    assert db_cli("import", "undo", first_id).code == ValidationError.exit_code
    assert db_cli("import", "undo", "ffffffff").code == NotFound.exit_code


def test_map_option_and_json(db_cli, tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Who;Mail;Cell;Remarks\nVirtanen, Anna;anna@example.fi;040 111 2222;hi\n")
    result = db_cli(
        "import", str(path), "--json",
        "--map", "Who=full_name", "--map", "Cell=phone:mobile", "--map", "Remarks=ignore",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = result.json()
    assert data["counts"] == {"create": 1, "merge": 0, "skip": 0, "reject": 0}
    assert (data["preset"], data["delimiter"], data["unmapped_columns"]) == (
        "generic",
        ";",
        ["Remarks"],
    )
    card = db_cli("contact", "show", "040 1112222", "--json").json()
    assert (card["first_name"], card["last_name"]) == ("Anna", "Virtanen")  # type: ignore[index]
    assert card["phones"][0]["label"] == "mobile"  # type: ignore[index]


def test_rejected_rows_are_reported_and_written_beside_the_file(db_cli, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nAnna Virtanen,anna@@x\n,\nPekka Lahti,pekka@example.fi\n")
    result = db_cli("import", str(path))
    assert "row 2 rejected Anna Virtanen: 'anna@@x' is not a valid e-mail address." in result.out
    assert f"Rejected rows were written to {tmp_path / 'people.rejects.csv'}." in result.out
    text = (tmp_path / "people.rejects.csv").read_text(encoding="utf-8-sig")
    assert (
        text.splitlines()[1] == "Anna Virtanen,anna@@x,2,'anna@@x' is not a valid e-mail address."
    )


def test_bad_input_is_one_clear_sentence(db_cli, tmp_path: Path) -> None:
    missing = db_cli("import", str(tmp_path / "nope.csv"))
    assert missing.code == UnreadableFile.exit_code
    assert missing.err.strip() == f"crmdesk: There is no file at {tmp_path / 'nope.csv'}."
    path = tmp_path / "a.csv"
    path.write_text("Name\nAnna\n")
    bad_map = db_cli("import", str(path), "--map", "Name=nickname")
    assert bad_map.code == ValidationError.exit_code
    assert "'nickname' is not a field to import into" in bad_map.err
    assert db_cli("import", "undo").code == ValidationError.exit_code
