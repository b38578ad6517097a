"""The documented column names of crmdesk's own CSV exports.

These names are a public contract (accountants' spreadsheets and macros use
them); add columns at the end, never rename one. The importer's ``crmdesk``
preset reads the contacts layout back without loss.

Multi-value cells (``emails``, ``phones``, ``addresses``, ``tags``) hold one
value per line (``\\n`` inside the quoted cell). A value may carry a label
before `` : `` (space, colon, space): ``work : anna@example.fi``. Each
address is one line of five parts separated by `` | ``:
``label : street | postal_code | city | region | country``.
"""

from __future__ import annotations

LABEL_SEPARATOR = " : "
ADDRESS_PART_SEPARATOR = " | "
MULTI_VALUE_SEPARATOR = "\n"

CONTACTS = (
    "id",
    "kind",  # person | company
    "display_name",
    "first_name",
    "last_name",
    "company",  # company name (a person's company, or the company itself)
    "title",
    "stage",
    "source",
    "owner",  # username
    "emails",
    "phones",  # as typed; the E.164 form is derived on import
    "addresses",
    "website",
    "birthday",  # ISO date
    "tags",
    "consent_marketing",  # yes | no
    "notes",
    "payment_terms_days",
    "credit_limit",  # amount in the export's decimal style
    "discount_percent",
    "balance",  # purchases minus payments
    "currency",
    "created_at",
    "updated_at",
)

COMPANIES = (
    "id",
    "name",
    "stage",
    "source",
    "owner",
    "emails",
    "phones",
    "addresses",
    "website",
    "tags",
    "notes",
    "payment_terms_days",
    "credit_limit",
    "discount_percent",
    "balance",
    "currency",
    "created_at",
    "updated_at",
)

ACTIVITIES = (
    "id",
    "occurred_at",
    "kind",
    "contact_id",
    "contact",
    "company",
    "text",
    "amount",
    "currency",
    "status",
    "resolution",
    "resolved_at",
    "user",
)

PURCHASES = (  # one row per order line
    "activity_id",
    "date",
    "contact_id",
    "contact",
    "company",
    "line",
    "description",
    "sku",
    "quantity",
    "unit_price",
    "line_total",
    "currency",
)

PAYMENTS = ("activity_id", "date", "contact_id", "contact", "company", "amount", "currency", "text")

FOLLOWUPS = (
    "id",
    "due_at",
    "contact_id",
    "contact",
    "text",
    "priority",
    "recurrence",
    "owner",
    "done_at",
    "deal_id",
)

DEALS = (
    "id",
    "title",
    "contact_id",
    "contact",
    "stage",
    "value",
    "currency",
    "expected_close",
    "owner",
    "reason",
    "closed_at",
    "created_at",
)

BY_KIND: dict[str, tuple[str, ...]] = {
    "contacts": CONTACTS,
    "companies": COMPANIES,
    "activities": ACTIVITIES,
    "purchases": PURCHASES,
    "payments": PAYMENTS,
    "followups": FOLLOWUPS,
    "deals": DEALS,
}
