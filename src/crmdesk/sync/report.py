"""What one sync did, for the window, the status bar and ``crmdesk sync --json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncReport:
    """What one sync did."""

    pushed: int = 0
    batches: int = 0
    pulled: int = 0
    applied: int = 0
    created: int = 0
    deleted: int = 0
    conflicts: int = 0
    snapshot: bool = False
    resynced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clock_offset_ms: int = 0
    cursor: int = 0
    duplicates: int = 0  # open duplicate proposals after the sync
    audit_sent: int = 0  # audit entries copied to the server
    erased: int = 0  # people erased on another computer, erased here too
    touched_contacts: set[str] = field(default_factory=set)


def describe(report: SyncReport) -> dict[str, Any]:
    """The report as plain data (CLI JSON output)."""
    return {
        "pushed": report.pushed,
        "batches": report.batches,
        "pulled": report.pulled,
        "applied": report.applied,
        "created": report.created,
        "deleted": report.deleted,
        "conflicts": report.conflicts,
        "snapshot": report.snapshot,
        "resynced": report.resynced,
        "warnings": report.warnings,
        "cursor": report.cursor,
        "duplicates": report.duplicates,
        "audit_sent": report.audit_sent,
    }
