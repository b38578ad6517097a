"""The ``crmdesk`` command line: every command and option."""

from __future__ import annotations

import argparse
from typing import Any

from crmdesk import __version__
from crmdesk.cli import (
    fields,
    key_commands,
    list_commands,
    merge_commands,
    privacy_commands,
    report_command,
    upsell_commands,
    user_commands,
)
from crmdesk.errors import AuditChainBroken, NotTraced
from crmdesk.interchange.columns import BY_KIND
from crmdesk.interchange.csv_format import LOCALE_PRESETS

REF_HELP = "an id, e-mail, phone number (any format) or exact name"


def _contact_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    p.add_argument("--first", dest="first_name", help="first name")
    p.add_argument("--last", dest="last_name", help="last name")
    p.add_argument("--company", help="company name or id (created if new)")
    p.add_argument("--title", help="job title")
    _common_options(p, editing=editing)
    if editing:
        p.add_argument("--no-company", action="store_true", help="remove from its company")


def _common_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    verb = "add a" if editing else "a"
    p.add_argument(
        "--phone",
        action="append",
        default=[],
        metavar="NUMBER",
        help=f"{verb} phone number; LABEL=NUMBER gives it a label (repeatable)",
    )
    p.add_argument(
        "--email",
        action="append",
        default=[],
        metavar="ADDRESS",
        help=f"{verb}n e-mail; LABEL=ADDRESS gives it a label (repeatable)",
    )
    p.add_argument("--tag", action="append", default=[], help=f"{verb} tag (repeatable)")
    p.add_argument(
        "--address",
        action="append",
        default=[],
        metavar="STREET;POSTCODE;CITY;COUNTRY",
        help=f"{verb}n address, parts separated by ';' (repeatable)",
    )
    p.add_argument(
        "--stage",
        help="lifecycle stage: lead, prospect, customer, repeat_customer, at_risk, lapsed",
    )
    p.add_argument("--source", help="how we met them (e.g. 'fair 2026', 'web')")
    p.add_argument("--website")
    p.add_argument("--notes")
    p.add_argument("--consent", choices=["yes", "no"], help="consent to marketing")
    p.add_argument("--terms-days", type=int, help="payment terms in days")
    p.add_argument("--credit-limit", help="credit limit (amount)")
    p.add_argument("--discount", help="discount in percent")
    p.add_argument("--price-list", help="price list name")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a custom field (repeatable)",
    )
    if editing:
        p.add_argument("--remove-phone", action="append", default=[], metavar="NUMBER")
        p.add_argument("--remove-email", action="append", default=[], metavar="ADDRESS")
        p.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
        p.add_argument(
            "--set-phone",
            action="append",
            default=None,
            metavar="NUMBER",
            help="replace all phone numbers with these",
        )
        p.add_argument(
            "--set-email",
            action="append",
            default=None,
            metavar="ADDRESS",
            help="replace all e-mails with these",
        )


def _export_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", metavar="KIND", choices=list(BY_KIND), help=", ".join(BY_KIND))
    p.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    p.add_argument(
        "--format",
        choices=["csv", "vcard", "ics"],
        help="csv (any kind), vcard (contacts, companies), ics (followups); "
        "default: from the file name (.vcf, .ics), else csv",
    )
    p.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2026-10-01")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day (included), e.g. 2026-10-31")
    p.add_argument(
        "--locale",
        metavar="LOCALE",
        help="spreadsheet preset: delimiter, decimal mark and date format of "
        + ", ".join(LOCALE_PRESETS),
    )
    p.add_argument("--delimiter", help="',', ';' or 'tab'")
    p.add_argument("--decimal", help="'.' or ','")
    p.add_argument("--encoding", help="utf-8-sig (default, with BOM), utf-8 or cp1252")
    p.add_argument("--date-format", help="e.g. dd.mm.yyyy or %%d.%%m.%%Y")
    p.add_argument("--vcard-version", choices=["3.0", "4.0"], default="3.0")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.add_argument("--limit", type=int, metavar="N", help="at most N rows (a sample)")


def _import_parser(sub: Any) -> None:
    from crmdesk.interchange.mapping import FIELDS
    from crmdesk.interchange.presets import PRESETS

    fields = "\n".join(f"  {name:<20} {text}" for name, text in FIELDS.items())
    p = _sub(
        sub,
        "import",
        help="import contacts from a CSV or vCard file; list or undo imports",
        usage="crmdesk import FILE [--format csv|vcard] [--preset PRESET] "
        '[--map "COLUMN=FIELD"]... [--dry-run] [--on-duplicate skip|merge|create]\n'
        "       crmdesk import list\n"
        "       crmdesk import undo ID",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Import people and companies from a CSV file (Google Contacts, Outlook, "
        "crmdesk's own export or any spreadsheet) or a vCard file, in one transaction.\n"
        "Rows that break a rule are listed and written to FILE.rejects.csv beside the file.",
        epilog="fields for --map (add :LABEL to label an e-mail, phone or address, "
        "e.g. phone:mobile;\na field mapped from two columns gets both values):\n" + fields,
    )
    p.add_argument("file", metavar="FILE", help="the file to import (or: list, undo)")
    p.add_argument("import_id", nargs="?", metavar="ID", help="with undo: the import to undo")
    p.add_argument("--format", choices=["csv", "vcard"], help="default: detected")
    p.add_argument(
        "--preset", choices=PRESETS, default="auto", help="column names (default: detected)"
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar='"COLUMN=FIELD"',
        help="import COLUMN into FIELD, over the preset (repeatable; FIELD 'ignore' skips it)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    p.add_argument(
        "--on-duplicate",
        choices=["skip", "merge", "create"],
        default="skip",
        help="a row matching a contact (same e-mail, phone, or similar name at the same "
        "company): skip it (default), merge it in, or create a new contact anyway",
    )


def _common() -> argparse.ArgumentParser:
    """Options accepted before or after the command (``crmdesk search x --json``)."""
    common = argparse.ArgumentParser(add_help=False)
    s = argparse.SUPPRESS
    common.add_argument(
        "--db",
        default=s,
        help="database file (default: $CRMDESK_DB, else the per-user data folder)",
    )
    common.add_argument("--json", action="store_true", default=s, help="machine-readable output")
    common.add_argument(
        "--region",
        default=s,
        help="default phone region, e.g. FI (else "
        "$CRMDESK_REGION, the saved setting, the system locale)",
    )
    common.add_argument("--currency", default=s, help="currency for amounts, e.g. EUR")
    return common


COMMON = _common()
GLOBAL_DEFAULTS = {
    "db": None,
    "json": False,
    "region": None,
    "currency": None,
    "as_user": None,
}


def _sub(subparsers: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, parents=[COMMON], **kwargs)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse the command line, filling in the global options' defaults."""
    args = build_parser().parse_args(argv)
    for key, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    return args


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        parents=[COMMON],
        prog="crmdesk",
        description="crmdesk: an offline-first CRM with an encrypted database. "
        "Without a command it starts the desktop application.",
    )
    parser.add_argument("--version", action="version", version=f"crmdesk {__version__}")
    parser.add_argument(
        "--user",
        dest="as_user",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="who is working, in a file with several users (default: $CRMDESK_USER)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _sub(sub, "init", help="create a new encrypted database")
    p.add_argument("--owner", help="user name of the owner (default: your login name)")
    p.add_argument(
        "--no-recovery-code",
        action="store_true",
        help="make no recovery code (a forgotten passphrase then loses the data for good)",
    )

    contact = _sub(sub, "contact", help="people: add, show, edit, delete, restore, list")
    csub = contact.add_subparsers(dest="action", metavar="ACTION", required=True)
    _contact_options(_sub(csub, "add", help="add a person; prints the new id"), editing=False)
    for name, helptext in (
        ("show", "the contact card"),
        ("restore", "bring back from the trash"),
    ):
        _sub(csub, name, help=helptext).add_argument("ref", metavar="REF", help=REF_HELP)
    _sub(csub, "delete", help="move to the trash (several at once: a bulk delete)").add_argument(
        "ref", metavar="REF", nargs="+", help=REF_HELP
    )
    edit = _sub(csub, "edit", help="change, add or remove values")
    edit.add_argument("ref", metavar="REF", help=REF_HELP)
    _contact_options(edit, editing=True)
    lst = _sub(csub, "list", help="list contacts in name order")
    lst.add_argument("--stage")
    lst.add_argument("--tag")
    lst.add_argument("--kind", choices=["person", "company"])
    lst.add_argument("--limit", type=int, default=50)

    company = _sub(sub, "company", help="companies: add, show, edit, delete, restore")
    cosub = company.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = _sub(cosub, "add", help="add a company; prints the new id")
    add.add_argument("name", metavar="NAME")
    _common_options(add, editing=False)
    for name, helptext in (
        ("show", "the company card"),
        ("restore", "bring back from the trash"),
    ):
        _sub(cosub, name, help=helptext).add_argument("ref", metavar="REF", help=REF_HELP)
    _sub(cosub, "delete", help="move to the trash").add_argument(
        "ref", metavar="REF", nargs="+", help=REF_HELP
    )
    edit = _sub(cosub, "edit", help="change, add or remove values")
    edit.add_argument("ref", metavar="REF", help=REF_HELP)
    edit.add_argument("--name", dest="company_name")
    _common_options(edit, editing=True)

    p = _sub(sub, "log", help="log a call, meeting, e-mail, note, visit or complaint")
    p.add_argument("ref", metavar="REF", help=REF_HELP)
    p.add_argument(
        "--type",
        dest="kind",
        required=True,
        choices=["call", "meeting", "email", "note", "visit", "complaint"],
    )
    p.add_argument("--text", required=True)
    p.add_argument("--at", help="when it happened (default: now)")

    p = _sub(sub, "purchase", help="log a purchase with its lines")
    p.add_argument("ref", metavar="REF", help=REF_HELP)
    p.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="NAME:QTY:UNIT_PRICE",
        help="one order line (repeatable)",
    )
    p.add_argument("--at", help="when it happened (default: now)")
    p.add_argument("--text", default="", help="a note on the purchase")

    p = _sub(sub, "payment", help="log a payment received")
    p.add_argument("ref", metavar="REF", help=REF_HELP)
    p.add_argument("--amount", required=True)
    p.add_argument("--at", help="when it was paid (default: now)")
    p.add_argument("--text", default="")

    p = _sub(sub, "complaint", help="change a complaint's status")
    p.add_argument("id", metavar="ACTIVITY_ID")
    p.add_argument("--status", required=True, choices=["open", "in_progress", "resolved"])
    p.add_argument("--resolution", default="")

    followup = _sub(sub, "followup", help="follow-ups: add, list, done, snooze")
    fsub = followup.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = _sub(fsub, "add", help="schedule a follow-up; prints its id")
    p.add_argument("ref", metavar="REF", help=REF_HELP)
    p.add_argument("--due", required=True, help="e.g. tomorrow, 2026-12-01 14:00, +3d, in 2 hours")
    p.add_argument("--text", default="")
    p.add_argument("--priority", default="normal", choices=["low", "normal", "high"])
    p.add_argument(
        "--repeat", default="none", choices=["none", "daily", "weekly", "monthly", "yearly"]
    )
    p = _sub(fsub, "list", help="follow-ups not done yet (or a selection)")
    group = p.add_mutually_exclusive_group()
    for when in ("overdue", "today", "upcoming", "done", "all"):
        group.add_argument(f"--{when}", dest="when", action="store_const", const=when)
    p.set_defaults(when="open")
    p = _sub(fsub, "done", help="mark done (a recurring one schedules the next)")
    p.add_argument("id", metavar="ID")
    p = _sub(fsub, "snooze", help="push a follow-up later")
    p.add_argument("id", metavar="ID")
    p.add_argument("--until", default="+1h", help="new due time (default: +1h)")

    deal = _sub(sub, "deal", help="deals: add, move, list")
    dsub = deal.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = _sub(dsub, "add", help="open a deal; prints its id")
    p.add_argument("ref", metavar="REF", help=REF_HELP)
    p.add_argument("--title", required=True)
    p.add_argument("--value", default="0")
    p.add_argument("--stage", default="new")
    p.add_argument("--close", help="expected close date (YYYY-MM-DD)")
    p = _sub(dsub, "move", help="move a deal to another stage")
    p.add_argument("id", metavar="ID")
    p.add_argument(
        "stage", metavar="STAGE", help="new, qualified, proposal, negotiation, won, lost"
    )
    p.add_argument("--reason", default="", help="why it was won or lost")
    p = _sub(dsub, "list", help="a contact's deals")
    p.add_argument("ref", metavar="REF", help=REF_HELP)

    p = _sub(sub, "search", help="find contacts by name, company, e-mail, phone or notes")
    p.add_argument("text", metavar="TEXT", nargs="+")
    p.add_argument("--limit", type=int, default=20)

    p = _sub(sub, "pop", help="screen pop: who is calling from this number")
    p.add_argument("number", metavar="PHONE")
    p.add_argument(
        "--here",
        action="store_true",
        help="print the card even when the desktop application is running",
    )

    p = _sub(sub, "demo", help="fill the database with realistic demo data")
    p.add_argument("--contacts", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)

    _import_parser(sub)

    key_commands.add_parsers(sub, _sub)

    _export_parser(_sub(sub, "export", help="write data to a CSV, vCard or iCalendar file"))
    report_command.add_parsers(sub, _sub)

    audit = _sub(sub, "audit", help="the tamper-evident audit trail")
    asub = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    _sub(
        asub,
        "verify",
        help="check that no entry was altered, inserted or removed "
        f"(exit code {AuditChainBroken.exit_code} when one was)",
    )
    p = _sub(
        asub,
        "trace",
        help="find which export a (leaked) CSV or vCard file came from, by its watermark "
        f"(exit code {NotTraced.exit_code} when none matches)",
    )
    p.add_argument("file", metavar="FILE")
    p = _sub(
        asub,
        "watermark",
        help="show or set whether a user's exports carry a traceable made-up row "
        "(on by default for everyone but owners)",
    )
    p.add_argument("user", metavar="USER", help="user name")
    p.add_argument("state", nargs="?", choices=["on", "off"], help="leave out to show it")

    fields.add_parsers(sub, _sub)
    p = _sub(sub, "sync", help="sync with the office server; --status, conflicts")
    p.add_argument("--server", help="server address, e.g. https://crm.example:8443 (remembered)")
    p.add_argument("--user", help="your user name on the server (remembered)")
    p.add_argument("--status", action="store_true", help="show what is waiting; do not sync")
    ssub = p.add_subparsers(dest="action", metavar="ACTION")
    p = _sub(ssub, "conflicts", help="concurrent edits: which value was kept, which lost")
    p.add_argument("--all", action="store_true", help="include flipped and dismissed ones")
    _sub(ssub, "flip", help="make the losing value win").add_argument("id", metavar="ID")
    _sub(ssub, "dismiss", help="keep the winning value").add_argument("id", metavar="ID")

    merge_commands.add_parsers(sub, _sub)
    privacy_commands.add_parsers(sub, _sub)
    user_commands.add_parsers(sub, _sub)
    upsell_commands.add_parsers(sub, _sub)
    list_commands.add_parsers(sub, _sub)

    _sub(sub, "gui", help="start the desktop application")
    return parser
