"""Answering a person's privacy requests: everything we hold about them (JSON
and vCard), erasing them everywhere, and the retention review of old leads."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain import permissions
from crmdesk.domain.clock import utcnow
from crmdesk.errors import ExportError, NotConfirmed, NotFound, ValidationError
from crmdesk.interchange.records import Labelled, PhoneNumber, PostalAddress
from crmdesk.interchange.vcard_writer import VCardWriter
from crmdesk.services import erasure, purge, stored_settings
from crmdesk.services.context import Context
from crmdesk.services.permissions import require
from crmdesk.store.files import write_atomically
from crmdesk.store.types import format_utc, parse_utc

RETENTION_KEY = "privacy.retention_months"
DEFAULT_RETENTION_MONTHS = 24
#: Tables in a person's export, in the order a reader expects them.
SECTIONS = (
    ("contact", "contacts"),
    ("phones", "contact_phones"),
    ("emails", "contact_emails"),
    ("addresses", "contact_addresses"),
    ("stage_history", "stage_history"),
    ("activities", "activities"),
    ("order_lines", "order_lines"),
    ("followups", "followups"),
    ("deals", "deals"),
    ("suggestion_decisions", "suggestion_decisions"),
)


@dataclass(frozen=True)
class ExportedFiles:
    """The files a person's export wrote."""

    json: Path
    vcard: Path


@dataclass(frozen=True)
class ReviewLead:
    """A lead nobody has touched for longer than the retention period."""

    id: str
    name: str
    last_touched: datetime


class PrivacyService:
    """Per-person export and erasure, and the retention review."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- export ------------------------------------------------------------

    def dossier(self, contact_id: str) -> dict[str, Any]:
        """Everything held about one person, as JSON-ready data."""
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, permissions.EXPORT)
            _person_name(session, contact_id)
            rows = purge.contact_rows(session, [contact_id])
            out: dict[str, Any] = {"exported_at": format_utc(utcnow())}
            for name, table in SECTIONS:
                out[name] = _rows(session, table, rows.get(table, set()))
            out["contact"] = out["contact"][0]
            out["company"] = session.execute(
                text(
                    "SELECT co.display_name FROM contacts c JOIN contacts co"
                    " ON co.id = c.company_id WHERE c.id = :id"
                ),
                {"id": contact_id},
            ).scalar_one_or_none()
            out["custom_fields"] = {
                r[0]: r[1]
                for r in session.execute(
                    text(
                        "SELECT f.label, v.value FROM custom_values v JOIN custom_fields f"
                        " ON f.id = v.field_id WHERE v.contact_id = :id ORDER BY f.position"
                    ),
                    {"id": contact_id},
                )
            }
            out["tags"] = [
                r[0]
                for r in session.execute(
                    text(
                        "SELECT t.name FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id"
                        " WHERE ct.contact_id = :id ORDER BY t.name"
                    ),
                    {"id": contact_id},
                )
            ]
            out["consent"] = {
                "marketing": bool(out["contact"]["consent_marketing"]),
                "changed_at": out["contact"]["consent_marketing_at"],
                "source": out["contact"]["consent_source"],
            }
            needles = erasure.identifying_strings(session, [contact_id])
            seqs = sorted(erasure.audit_entries_about(session, rows, needles))
            out["audit"] = _rows(session, "audit_log", {str(s) for s in seqs}, key="seq")
        return out

    def export(self, contact_id: str, folder: Path) -> ExportedFiles:
        """Write the person's data as JSON and as a vCard into ``folder``."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ExportError(f"The folder {folder} does not exist.")
        data = self.dossier(contact_id)
        contact = data["contact"]
        stem = re.sub(r"[^\w-]+", "-", contact["display_name"]).strip("-") or contact["id"]
        stamp = utcnow().strftime("%Y%m%d")
        files = ExportedFiles(folder / f"{stem}-{stamp}.json", folder / f"{stem}-{stamp}.vcf")
        for target in (files.json, files.vcard):
            if target.exists():
                raise ExportError(f"{target} already exists; choose another folder.")
        body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        card = _vcard(data)
        try:
            write_atomically(files.json, body.encode("utf-8"))
            write_atomically(files.vcard, card.encode("utf-8"))
        except OSError as exc:
            for target in (files.json, files.vcard):
                target.unlink(missing_ok=True)
            raise ExportError(f"Could not write the export to {folder}: {exc.strerror}.") from exc
        with self.ctx.write() as uow:
            uow.record(
                "export",
                "contact",
                contact_id,
                "privacy export",
                {"files": 2, "format": "json+vcf"},
            )
        return files

    # -- erasure -------------------------------------------------------------

    def erase(self, contact_id: str, typed_name: str) -> int:
        """Erase a person everywhere (the owner only), confirmed by typing their name.

        Returns the number of rows removed. The server is told on the next sync.
        """
        with self.ctx.write() as uow:
            require(uow.session, self.ctx.actor_id, permissions.PURGE)
            if not name_matches(typed_name, _person_name(uow.session, contact_id)):
                raise NotConfirmed(
                    "The name typed does not match the person's name; nothing was erased."
                )
            removed = erasure.erase_people(uow.session, [contact_id], self.ctx.actor_id, send=True)
        self.ctx.db.flush_wal()
        return removed

    # -- retention -------------------------------------------------------------

    @property
    def retention_months(self) -> int:
        """How many months a lead may go untouched before it is flagged for review."""
        value = stored_settings.read_all(self.ctx.db).get(RETENTION_KEY)
        return int(value) if value else DEFAULT_RETENTION_MONTHS

    def set_retention_months(self, months: int) -> None:
        """Change the retention period (1 to 240 months)."""
        if not 1 <= months <= 240:
            raise ValidationError("The retention period is 1 to 240 months.")
        stored_settings.save(self.ctx, RETENTION_KEY, str(months))

    def review(self, months: int | None = None, limit: int = 1000) -> list[ReviewLead]:
        """Leads with no change and no activity for ``months`` (default: the setting)."""
        months = self.retention_months if months is None else months
        cutoff = format_utc(utcnow() - timedelta(days=round(months * 30.44)))
        with self.ctx.read() as session:
            rows = session.execute(
                text(
                    "SELECT c.id, c.display_name, max(c.updated_at, coalesce("
                    " (SELECT max(a.occurred_at) FROM activities a WHERE a.contact_id = c.id"
                    " AND a.deleted_at IS NULL), c.updated_at)) AS touched"
                    " FROM contacts c WHERE c.stage = 'lead' AND c.kind = 'person'"
                    " AND c.deleted_at IS NULL AND c.updated_at < :cutoff"
                    " AND touched < :cutoff ORDER BY touched LIMIT :n"
                ),
                {"cutoff": cutoff, "n": limit},
            ).all()
        return [ReviewLead(r[0], r[1], parse_utc(r[2])) for r in rows]


def name_matches(typed: str, name: str) -> bool:
    """Whether ``typed`` is ``name`` (ignoring case and extra spaces): the erase check."""
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def _person_name(session: Session, contact_id: str) -> str:
    """The person's name; a missing contact or a company is refused in one sentence."""
    found = session.execute(
        text("SELECT display_name, kind FROM contacts WHERE id = :id"), {"id": contact_id}
    ).one_or_none()
    if found is None:
        raise NotFound(f"No contact with id {contact_id}.")
    if found[1] != "person":
        raise ValidationError(f"{found[0]} is a company; privacy requests concern people.")
    return str(found[0])


def _rows(session: Session, table: str, ids: set[str], key: str = "id") -> list[dict[str, Any]]:
    """Every column of the rows of ``table`` whose ``key`` is in ``ids``."""
    out: list[dict[str, Any]] = []
    sql = f"SELECT * FROM {table} WHERE {key} IN ({{marks}}) ORDER BY {key}"
    values = sorted(ids)
    for start in range(0, len(values), purge.CHUNK):
        chunk = values[start : start + purge.CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        result = session.execute(
            text(sql.format(marks=marks)), {f"i{n}": v for n, v in enumerate(chunk)}
        )
        out += [dict(r._mapping) for r in result]
    return out


def _vcard(data: dict[str, Any]) -> str:
    c = data["contact"]
    record = {
        **c,
        "company": data["company"] or "",
        "tags": data["tags"],
        "phones": [PhoneNumber(p["label"], p["raw"], p["e164"]) for p in data["phones"]],
        "emails": [Labelled(e["label"], e["address"]) for e in data["emails"]],
        "addresses": [
            PostalAddress(
                a["label"], a["street"], a["postal_code"], a["city"], a["region"], a["country"]
            )
            for a in data["addresses"]
        ],
    }
    return VCardWriter(io.BytesIO(), "4.0").card(record)
