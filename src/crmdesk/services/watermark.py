"""Export watermarks: one made-up but ordinary-looking row per export file.

The row (a person of the shop's country with an address, or an activity,
payment, follow-up or deal of such a person) is new for every export; its id
and name are kept in the export's audit entry, so a leaked file can be traced
back to the export it came from (:mod:`crmdesk.services.export_trace`).
Nothing about the row is stored anywhere else, and it has no phone number or
e-mail address, so it can never reach a real person.

Whether an export is watermarked is a per-user setting, on by default for
everyone but owners; only a user who may manage users changes it.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.domain.ids import uuid7_at
from crmdesk.domain.permissions import MANAGE_USERS
from crmdesk.interchange import columns
from crmdesk.interchange.records import PostalAddress, UtcTimestamp
from crmdesk.services import demo_pools
from crmdesk.services.export_values import Batch, Row
from crmdesk.services.permissions import actor_role, require
from crmdesk.services.uow import UnitOfWork
from crmdesk.store.models import Setting
from crmdesk.store.types import format_utc

SETTING = "export_watermark:{user_id}"


def enabled(session: Session, user_id: str | None) -> bool:
    """Whether ``user_id``'s exports carry a watermark (default: unless an owner)."""
    row = session.get(Setting, SETTING.format(user_id=user_id or ""))
    if row is not None:
        return row.value == "on"
    return actor_role(session, user_id) != "owner"


def set_enabled(uow: UnitOfWork, user_id: str, on: bool) -> None:
    """Turn ``user_id``'s watermark on or off (needs the right to manage users)."""
    require(uow.session, uow.actor_id, MANAGE_USERS)
    key = SETTING.format(user_id=user_id)
    row = uow.session.get(Setting, key)
    old = row.value if row else None
    value = "on" if on else "off"
    if row is None:
        uow.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    uow.record("update", "setting", key, key, {key: [old, value]})


@dataclass(frozen=True)
class Marker:
    """The made-up row of one export: what identifies it in a file."""

    id: str
    contact_id: str
    first_name: str
    last_name: str
    company: str
    at: str  # stored-format UTC time of the row

    @property
    def name(self) -> str:
        """The person's display name."""
        return f"{self.first_name} {self.last_name}"

    def as_dict(self) -> dict[str, str]:
        """For the audit entry."""
        return {**asdict(self), "name": self.name}


def make_marker(region: str, around: datetime | None = None) -> Marker:
    """A new marker: a person of ``region``'s country (else the first pool's),
    dated ``around`` (else some weeks or months back)."""
    rng = random.Random(secrets.randbits(64))
    pool = next((c for c in demo_pools.COUNTRIES if c.code == region), demo_pools.COUNTRIES[0])
    at = around or datetime.now(UTC) - timedelta(minutes=rng.randrange(30 * 1440, 400 * 1440))
    company = (
        f"{rng.choice(demo_pools.COMPANY_WORDS)} {rng.choice(demo_pools.COMPANY_TRADES)}"
        f" {pool.suffix}"
    )
    ms = int(at.timestamp() * 1000)
    return Marker(
        id=uuid7_at(ms, rng.getrandbits(74)),
        contact_id=uuid7_at(ms - rng.randrange(10**9), rng.getrandbits(74)),
        first_name=rng.choice(pool.first_names),
        last_name=rng.choice(pool.last_names),
        company=company,
        at=format_utc(at),
    )


def canary_row(kind: str, marker: Marker, currency: str, region: str) -> Row:
    """The marker as a row of ``kind``, columns in export order, values typed as
    the export queries give them."""
    rng = random.Random(marker.id)
    pool = next((c for c in demo_pools.COUNTRIES if c.code == region), demo_pools.COUNTRIES[0])
    city, postcode = rng.choice(pool.cities)
    postcode = "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in postcode)
    street = f"{rng.choice(pool.streets)} {rng.randrange(1, 80)}"
    when = UtcTimestamp(marker.at)
    day = datetime.fromisoformat(marker.at.replace("Z", "+00:00")).astimezone().date()
    money = Decimal(rng.randrange(2000, 60000)).scaleb(-2)
    values: dict[str, Any] = {
        "id": marker.id,
        "activity_id": marker.id,
        "contact_id": marker.contact_id,
        "kind": {"contacts": "person", "activities": "call"}.get(kind),
        "display_name": marker.name,
        "first_name": marker.first_name,
        "last_name": marker.last_name,
        "name": marker.company,
        "contact": marker.name,
        "company": marker.company,
        "stage": {"deals": "qualified"}.get(kind, "customer"),
        "source": rng.choice(demo_pools.SOURCES),
        "owner": "",
        "user": "",
        "emails": (),
        "phones": (),
        "addresses": (PostalAddress("", street, postcode, city, "", pool.code),),
        "tags": (),
        "consent_marketing": False,
        "notes": "",
        "discount_percent": Decimal(0),
        "balance": Decimal(0).scaleb(-2),
        "currency": currency,
        "created_at": when,
        "updated_at": when,
        "occurred_at": when,
        "due_at": when,
        "date": day,
        "text": rng.choice(
            demo_pools.FOLLOWUP_TEXTS if kind == "followups" else demo_pools.CALL_NOTES
        ),
        "amount": money,
        "line": 1,
        "description": rng.choice(demo_pools.PRODUCTS)[0],
        "sku": "",
        "quantity": Decimal(1),
        "unit_price": money,
        "line_total": money,
        "priority": "normal",
        "recurrence": "none",
        "title": rng.choice(demo_pools.DEAL_TITLES),
        "value": money,
    }
    return tuple(values.get(name) for name in columns.BY_KIND[kind])


def insert(batches: Iterator[Batch], row: Row, position: int) -> Iterator[Batch]:
    """The batches with ``row`` placed after ``position`` rows (at the end if fewer)."""
    seen = 0
    placed = False
    for batch in batches:
        if not placed and seen + len(batch) >= position:
            cut = position - seen
            batch = [*batch[:cut], row, *batch[cut:]]
            placed = True
        seen += len(batch)
        yield batch
    if not placed:
        yield [row]
