"""What each command does, on top of the services."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from crmdesk import instance
from crmdesk.cli import (
    fields,
    key_commands,
    list_commands,
    merge_commands,
    output,
    privacy_commands,
    report_command,
    sync_commands,
    upsell_commands,
    user_commands,
)
from crmdesk.cli.export_command import export
from crmdesk.cli.import_commands import import_command
from crmdesk.cli.passphrase import read_passphrase
from crmdesk.domain.clock import format_local, parse_when, utcnow
from crmdesk.errors import AuditChainBroken, NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import (
    AddressInput,
    ContactPatch,
    EmailInput,
    LineInput,
    PhoneInput,
    TermsInput,
)
from crmdesk.store.keyfile import new_recovery_code
from crmdesk.store.keyfile import path_for as key_file_for

Handler = Callable[[Crm, argparse.Namespace], int]


def run_command(args: argparse.Namespace, db_path: Path) -> int:
    """Open (or create) the database and run the chosen command."""
    region = args.region or os.environ.get("CRMDESK_REGION") or None
    if args.command == "init":
        return _init(args, db_path, region)
    if args.command in key_commands.PRE_OPEN:
        return key_commands.PRE_OPEN[args.command](args, db_path)
    if (
        args.command == "pop"
        and not args.here
        and instance.send_to_running({"cmd": "pop", "number": args.number})
    ):
        output.say(args, {"handed_to_running_window": True}, "Shown in the running crmdesk window.")
        return 0
    crm = Crm.open(
        db_path,
        read_passphrase(confirm=False),
        region=region,
        currency=args.currency,
        notice=lambda doing: print(doing, file=sys.stderr, flush=True),
    )
    try:
        user_commands.sign_in(crm, args.as_user)
        key = args.command if not getattr(args, "action", None) else f"{args.command} {args.action}"
        return HANDLERS[key](crm, args)
    finally:
        crm.close()


def _init(args: argparse.Namespace, db_path: Path, region: str | None) -> int:
    from crmdesk.errors import DatabaseExists

    if db_path.exists() and db_path.stat().st_size > 0:
        raise DatabaseExists(f"A database already exists at {db_path}; not overwriting it.")
    passphrase = read_passphrase(confirm=True)
    code = None if args.no_recovery_code else new_recovery_code()
    crm = Crm.create(
        db_path,
        passphrase,
        region=region,
        currency=args.currency,
        owner=args.owner,
        recovery_code=code,
    )
    try:
        text = (
            f"Created an encrypted database at {db_path} (phone region {crm.ctx.region}, "
            f"currency {crm.ctx.currency}), with its key file beside it.\n"
            "Keep the passphrase safe: without it the data cannot be read."
        )
        output.say(
            args,
            {
                "database": str(db_path),
                "key_file": str(key_file_for(db_path)),
                "region": crm.ctx.region,
                "currency": crm.ctx.currency,
                "recovery_code": code,
            },
            text + ("\n" + key_commands.recovery_code_text(code) if code else ""),
        )
    finally:
        crm.close()
    return 0


# -- contacts ------------------------------------------------------------


def _labelled(value: str) -> tuple[str, str]:
    """``mobile=040 123`` -> ("mobile", "040 123"); no label -> ("", value)."""
    label, sep, rest = value.partition("=")
    if sep and label and "@" not in label and not any(c.isdigit() for c in label):
        return label.strip(), rest.strip()
    return "", value.strip()


def _address(value: str) -> AddressInput:
    parts = [p.strip() for p in value.split(";")]
    if len(parts) > 4:
        raise ValidationError(f"'{value}': give at most STREET;POSTCODE;CITY;COUNTRY.")
    parts += [""] * (4 - len(parts))
    return AddressInput(street=parts[0], postal_code=parts[1], city=parts[2], country=parts[3])


def _patch(args: argparse.Namespace, *, editing: bool) -> ContactPatch:
    def phone(v: str) -> PhoneInput:
        label, number = _labelled(v)
        return PhoneInput(number, label)

    def email(v: str) -> EmailInput:
        label, address = _labelled(v)
        return EmailInput(address, label)

    custom = {}
    for item in args.field:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(f"'{item}': write custom fields as KEY=VALUE.")
        custom[key.strip()] = value
    terms = None
    if any(
        v is not None for v in (args.terms_days, args.credit_limit, args.discount, args.price_list)
    ):
        terms = TermsInput(
            payment_terms_days=args.terms_days,
            credit_limit=args.credit_limit,
            discount_percent=args.discount,
            price_list=args.price_list,
            currency=args.currency,
        )
    company = getattr(args, "company", None)
    if getattr(args, "no_company", False):
        company = ""
    patch = ContactPatch(
        first_name=getattr(args, "first_name", None),
        last_name=getattr(args, "last_name", None),
        company_name=getattr(args, "company_name", None) or getattr(args, "name", None),
        company=company,
        title=getattr(args, "title", None),
        stage=args.stage,
        source=args.source,
        website=args.website,
        notes=args.notes,
        consent_marketing=None if args.consent is None else args.consent == "yes",
        add_phones=[phone(v) for v in args.phone],
        add_emails=[email(v) for v in args.email],
        add_addresses=[_address(v) for v in args.address],
        add_tags=list(args.tag),
        custom=custom,
        terms=terms,
    )
    if editing:
        patch.remove_phones = list(args.remove_phone)
        patch.remove_emails = list(args.remove_email)
        patch.remove_tags = list(args.remove_tag)
        if args.set_phone is not None:
            patch.phones = [phone(v) for v in args.set_phone]
        if args.set_email is not None:
            patch.emails = [email(v) for v in args.set_email]
    return patch


def contact_add(crm: Crm, args: argparse.Namespace) -> int:
    kind = "company" if args.command == "company" else "person"
    contact_id = crm.contacts.create(kind, _patch(args, editing=False))
    output.say(args, {"id": contact_id}, contact_id)
    return 0


def contact_show(crm: Crm, args: argparse.Namespace) -> int:
    card = crm.queries.card(crm.queries.resolve(args.ref))
    if args.json:
        output.emit_json(card)
    else:
        output.print_card(card)
    return 0


def contact_edit(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    crm.contacts.update(contact_id, _patch(args, editing=True))
    output.say(args, {"id": contact_id, "updated": True}, f"Updated {contact_id}.")
    return 0


def contact_delete(crm: Crm, args: argparse.Namespace) -> int:
    if len(args.ref) > 1:
        ids = [crm.queries.resolve(ref) for ref in args.ref]
        count = crm.contacts.delete_many(ids)
        output.say(args, {"ids": ids, "deleted": count}, f"Moved {count:,} contacts to the trash.")
        return 0
    contact_id = crm.queries.resolve(args.ref[0])
    name = crm.queries.summaries([contact_id])[0].display_name
    crm.contacts.delete(contact_id)
    output.say(
        args,
        {"id": contact_id, "deleted": True},
        f"Moved {name} to the trash. Undo with: crmdesk contact restore {contact_id}",
    )
    return 0


def contact_restore(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref, include_deleted=True)
    crm.contacts.restore(contact_id)
    output.say(args, {"id": contact_id, "restored": True}, f"Restored {contact_id}.")
    return 0


def contact_list(crm: Crm, args: argparse.Namespace) -> int:
    flt = ContactFilter(kind=args.kind, stage=args.stage, tag=args.tag)
    if args.stage:
        from crmdesk.domain.stages import parse_stage

        flt = ContactFilter(kind=args.kind, stage=parse_stage(args.stage).value, tag=args.tag)
    rows = crm.queries.page(flt, limit=max(1, args.limit))
    if args.json:
        output.emit_json(rows)
    elif not rows:
        print("No contacts.")
    else:
        print("\n".join(output.summary_line(r) for r in rows))
    return 0


# -- activities ----------------------------------------------------------


def log(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    at = parse_when(args.at) if args.at else None
    activity_id = crm.activities.log(contact_id, args.kind, args.text, at)
    output.say(args, {"id": activity_id}, activity_id)
    return 0


def _line(item: str) -> LineInput:
    name, sep, rest = item.rpartition(":")
    head, sep2, qty = name.rpartition(":")
    if not sep or not sep2 or not head.strip():
        raise ValidationError(
            f"'{item}': write an item as NAME:QTY:UNIT_PRICE, for example 'Winter tyre:4:89.90'."
        )
    return LineInput(head, qty, rest)


def purchase(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    lines = [_line(i) for i in args.item]
    at = parse_when(args.at) if args.at else None
    activity_id = crm.activities.purchase(contact_id, lines, args.currency, at, args.text)
    view = crm.activities.timeline(contact_id, limit=100, kind="purchase")
    total = next((a for a in view if a.id == activity_id), None)
    text = activity_id
    if total is not None:
        text += f"  total {output.money(total.amount_minor, total.currency)}"
    output.say(
        args, {"id": activity_id, "total_minor": total.amount_minor if total else None}, text
    )
    return 0


def payment(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    at = parse_when(args.at) if args.at else None
    activity_id = crm.activities.payment(contact_id, args.amount, args.currency, at, args.text)
    output.say(args, {"id": activity_id}, activity_id)
    return 0


def complaint(crm: Crm, args: argparse.Namespace) -> int:
    crm.activities.set_complaint_status(args.id, args.status, args.resolution)
    output.say(args, {"id": args.id, "status": args.status}, f"Complaint is now {args.status}.")
    return 0


# -- follow-ups ----------------------------------------------------------


def followup_add(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    followup_id = crm.followups.add(
        contact_id, parse_when(args.due), args.text, args.priority, args.repeat
    )
    output.say(args, {"id": followup_id}, followup_id)
    return 0


def followup_list(crm: Crm, args: argparse.Namespace) -> int:
    rows = crm.followups.list(args.when)
    if args.json:
        output.emit_json(rows)
        return 0
    if not rows:
        print("No follow-ups.")
        return 0
    now = utcnow()
    for f in rows:
        late = "  OVERDUE" if f.done_at is None and f.due_at < now else ""
        print(output.followup_line(f) + late)
    return 0


def followup_done(crm: Crm, args: argparse.Namespace) -> int:
    next_id = crm.followups.complete(args.id)
    text = "Done."
    if next_id:
        nxt = crm.followups.get(next_id)
        text += f" Next one scheduled for {format_local(nxt.due_at)} ({next_id})."
    output.say(args, {"id": args.id, "done": True, "next_id": next_id}, text)
    return 0


def followup_snooze(crm: Crm, args: argparse.Namespace) -> int:
    due = parse_when(args.until)
    crm.followups.reschedule(args.id, due)
    output.say(args, {"id": args.id, "due_at": due.isoformat()}, f"Snoozed to {format_local(due)}.")
    return 0


# -- deals ---------------------------------------------------------------


def deal_add(crm: Crm, args: argparse.Namespace) -> int:
    contact_id = crm.queries.resolve(args.ref)
    close = None
    if args.close:
        try:
            close = date.fromisoformat(args.close)
        except ValueError:
            raise ValidationError(f"'{args.close}' is not a date like 2026-12-31.") from None
    deal_id = crm.deals.create(contact_id, args.title, args.value, args.currency, args.stage, close)
    output.say(args, {"id": deal_id}, deal_id)
    return 0


def deal_move(crm: Crm, args: argparse.Namespace) -> int:
    crm.deals.move(args.id, args.stage, args.reason)
    output.say(args, {"id": args.id, "stage": args.stage}, f"Deal moved to {args.stage}.")
    return 0


def deal_list(crm: Crm, args: argparse.Namespace) -> int:
    rows = crm.deals.list_for(crm.queries.resolve(args.ref))
    if args.json:
        output.emit_json(rows)
    elif not rows:
        print("No deals.")
    else:
        for d in rows:
            print(
                f"{d.id}  {d.title}  {d.stage}  {output.money(d.value_minor, d.currency)}"
                + (f"  ({d.reason})" if d.reason else "")
            )
    return 0


# -- search, pop, demo, backup, audit ------------------------------------


def search(crm: Crm, args: argparse.Namespace) -> int:
    rows = crm.search.search(" ".join(args.text), limit=max(1, args.limit))
    if args.json:
        output.emit_json(rows)
    elif not rows:
        print("Nothing found.")
    else:
        print("\n".join(output.summary_line(r) for r in rows))
    return 0


def pop(crm: Crm, args: argparse.Namespace) -> int:
    result = crm.screenpop.pop(args.number)
    if args.json:
        output.emit_json(result)
    elif result.card:
        output.print_card(result.card)
        for offer in result.offers:
            print(f"Offer next: {offer.product} — {offer.reason}")
    elif result.candidates:
        print(f"{args.number} belongs to {len(result.candidates)} contacts:")
        print("\n".join(f"  {output.summary_line(c)}" for c in result.candidates))
    else:
        print(
            f"Unknown number {args.number}. Add it with: "
            f"crmdesk contact add --first NAME --phone '{args.number}'"
        )
    return 0


def demo(crm: Crm, args: argparse.Namespace) -> int:
    from crmdesk.services.demo import generate

    if args.contacts <= 0:
        raise ValidationError("Give a number of contacts above zero.")
    show = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int) -> None:
        if show:
            print(
                f"\rGenerating demo data: {done:,}/{total:,} contacts "
                f"({100 * done // max(total, 1)} %)",
                end="",
                file=sys.stderr,
                flush=True,
            )

    stats = generate(crm, args.contacts, seed=args.seed, progress=progress)
    if show:
        print(file=sys.stderr)
    output.say(
        args,
        stats,
        f"Added {stats.contacts:,} contacts ({stats.companies:,} companies), "
        f"{stats.activities:,} activities, {stats.followups:,} follow-ups and "
        f"{stats.deals:,} deals in {stats.seconds:.1f} s.",
    )
    return 0


def audit_verify(crm: Crm, args: argparse.Namespace) -> int:
    report = crm.verify_audit()
    output.say(args, report, report.describe())
    return 0 if report.ok else AuditChainBroken.exit_code


def audit_trace(crm: Crm, args: argparse.Namespace) -> int:
    matches = crm.audit.trace(Path(args.file).expanduser())
    output.say(args, matches, "\n".join(m.describe() for m in matches))
    return 0


def audit_watermark(crm: Crm, args: argparse.Namespace) -> int:
    user_id = next((i for i, name in crm.audit.users() if name == args.user), None)
    if user_id is None:
        raise NotFound(f"There is no user named '{args.user}'.")
    if args.state is not None:
        crm.audit.set_watermarked(user_id, args.state == "on")
    on = crm.audit.watermarked(user_id)
    output.say(
        args,
        {"user": args.user, "watermark": on},
        f"Exports by {args.user} {'carry' if on else 'do not carry'} a watermark.",
    )
    return 0


HANDLERS: dict[str, Handler] = {
    "contact add": contact_add,
    "contact show": contact_show,
    "contact edit": contact_edit,
    "contact delete": contact_delete,
    "contact restore": contact_restore,
    "contact list": contact_list,
    "company add": contact_add,
    "company show": contact_show,
    "company edit": contact_edit,
    "company delete": contact_delete,
    "company restore": contact_restore,
    "log": log,
    "purchase": purchase,
    "payment": payment,
    "complaint": complaint,
    "followup add": followup_add,
    "followup list": followup_list,
    "followup done": followup_done,
    "followup snooze": followup_snooze,
    "deal add": deal_add,
    "deal move": deal_move,
    "deal list": deal_list,
    "search": search,
    "pop": pop,
    "demo": demo,
    **key_commands.HANDLERS,
    "export": export,
    **report_command.HANDLERS,
    "audit verify": audit_verify,
    "audit trace": audit_trace,
    "audit watermark": audit_watermark,
    **fields.HANDLERS,
    "import": import_command,
    **sync_commands.HANDLERS,
    **merge_commands.HANDLERS,
    **privacy_commands.HANDLERS,
    **user_commands.HANDLERS,
    **upsell_commands.HANDLERS,
    **list_commands.HANDLERS,
}
