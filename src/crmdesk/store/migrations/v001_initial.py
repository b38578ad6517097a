"""Schema version 1: people and companies, their details, activities,
follow-ups, deals, users, settings, audit trail and the full-text index."""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    """CREATE TABLE contacts (
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('person', 'company')),
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        company_name TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        company_id TEXT REFERENCES contacts (id),
        display_name TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        stage TEXT NOT NULL DEFAULT 'lead',
        source TEXT NOT NULL DEFAULT '',
        owner_id TEXT REFERENCES users (id),
        website TEXT NOT NULL DEFAULT '',
        birthday TEXT,
        notes TEXT NOT NULL DEFAULT '',
        consent_marketing INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_contacts_live_sort ON contacts (sort_key, num) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_contacts_stage_sort ON contacts (stage, sort_key, num) "
    "WHERE deleted_at IS NULL",
    "CREATE INDEX ix_contacts_company ON contacts (company_id)",
    "CREATE INDEX ix_contacts_owner ON contacts (owner_id)",
    """CREATE TABLE contact_phones (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        raw TEXT NOT NULL,
        e164 TEXT,
        digits_rev TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ix_phones_contact ON contact_phones (contact_id)",
    "CREATE INDEX ix_phones_e164 ON contact_phones (e164)",
    "CREATE INDEX ix_phones_digits_rev ON contact_phones (digits_rev)",
    """CREATE TABLE contact_emails (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL,
        address_key TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ix_emails_contact ON contact_emails (contact_id)",
    "CREATE INDEX ix_emails_key ON contact_emails (address_key)",
    """CREATE TABLE contact_addresses (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        label TEXT NOT NULL DEFAULT '',
        street TEXT NOT NULL DEFAULT '',
        postal_code TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        region TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ix_addresses_contact ON contact_addresses (contact_id)",
    """CREATE TABLE tags (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE contact_tags (
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        PRIMARY KEY (contact_id, tag_id)
    )""",
    "CREATE INDEX ix_contact_tags_tag ON contact_tags (tag_id)",
    """CREATE TABLE custom_fields (
        id TEXT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL,
        field_type TEXT NOT NULL DEFAULT 'text',
        position INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    """CREATE TABLE custom_values (
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        field_id TEXT NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
        value TEXT NOT NULL,
        PRIMARY KEY (contact_id, field_id)
    )""",
    """CREATE TABLE products (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        sku TEXT NOT NULL DEFAULT '',
        unit_price_minor INTEGER,
        currency TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_products_name ON products (name COLLATE NOCASE)",
    """CREATE TABLE deals (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        title TEXT NOT NULL,
        stage TEXT NOT NULL DEFAULT 'new',
        value_minor INTEGER NOT NULL DEFAULT 0,
        currency TEXT NOT NULL,
        expected_close TEXT,
        owner_id TEXT REFERENCES users (id),
        reason TEXT NOT NULL DEFAULT '',
        closed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_deals_contact ON deals (contact_id)",
    """CREATE TABLE activities (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        kind TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        user_id TEXT REFERENCES users (id),
        deal_id TEXT REFERENCES deals (id),
        amount_minor INTEGER,
        currency TEXT,
        status TEXT,
        resolution TEXT NOT NULL DEFAULT '',
        resolved_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_activities_contact_time ON activities (contact_id, occurred_at)",
    "CREATE INDEX ix_activities_kind_time ON activities (kind, occurred_at)",
    """CREATE TABLE order_lines (
        id TEXT PRIMARY KEY,
        activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
        product_id TEXT REFERENCES products (id),
        description TEXT NOT NULL,
        quantity TEXT NOT NULL,
        unit_price_minor INTEGER NOT NULL,
        line_total_minor INTEGER NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ix_order_lines_activity ON order_lines (activity_id)",
    "CREATE INDEX ix_order_lines_product ON order_lines (product_id)",
    """CREATE TABLE followups (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        deal_id TEXT REFERENCES deals (id),
        owner_id TEXT REFERENCES users (id),
        due_at TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        priority TEXT NOT NULL DEFAULT 'normal',
        recurrence TEXT NOT NULL DEFAULT 'none',
        done_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_followups_open_due ON followups (due_at) "
    "WHERE done_at IS NULL AND deleted_at IS NULL",
    "CREATE INDEX ix_followups_contact ON followups (contact_id)",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id TEXT,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        summary TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX ix_audit_entity ON audit_log (entity, entity_id)",
    """CREATE VIRTUAL TABLE contact_fts USING fts5 (
        name, company, emails, phones, notes, activity,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
    )""",
]
