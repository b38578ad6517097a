"""Custom fields through the command line."""

from __future__ import annotations

import json

import pytest

from crmdesk.errors import NotFound, ValidationError


def test_define_use_rename_and_remove_a_field(db_cli) -> None:
    assert db_cli("field", "add", "Shoe size", "--type", "number").out.strip() == "shoe_size"
    added = db_cli("contact", "add", "--first", "Anna", "--field", "shoe_size=38,5")
    assert added.code == 0, added.err
    assert "Shoe size: 38.5" in db_cli("contact", "show", "Anna").out

    wrong = db_cli("contact", "edit", "Anna", "--field", "shoe_size=big")
    assert wrong.code == ValidationError.exit_code
    assert "'big' is not a number" in wrong.err

    assert db_cli("field", "rename", "shoe_size", "Shoe size (EU)").code == 0
    listed = json.loads(db_cli("--json", "field", "list").out)
    assert [(f["key"], f["label"], f["used_by"]) for f in listed] == [
        ("shoe_size", "Shoe size (EU)", 1)
    ]
    assert db_cli("field", "delete", "shoe_size").code == 0
    assert "No custom fields yet" in db_cli("field", "list").out
    assert db_cli("field", "delete", "shoe_size").code == NotFound.exit_code


def test_unknown_type_is_a_usage_error(db_cli, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        db_cli("field", "add", "Colour", "--type", "colour")
    assert exited.value.code == 2
    assert "invalid choice: 'colour'" in capsys.readouterr().err
