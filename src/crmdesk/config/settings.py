"""User settings kept in a small JSON file (not in the database: some are
needed before any database is unlocked, such as the recent files)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from crmdesk.config import paths

log = logging.getLogger(__name__)


@dataclass
class Settings:
    """Everything the user can set; unknown keys in the file are ignored."""

    region: str = ""
    currency: str = "EUR"
    locale: str = ""
    recent_databases: list[str] = field(default_factory=list)
    reminders_enabled: bool = True
    reminder_lead_minutes: int = 0
    pop_endpoint_enabled: bool = False
    pop_endpoint_port: int = 47611
    idle_lock_minutes: int = 10  # 0: never lock
    backup_keep: int = 7  # daily automatic backups kept; 0: none

    def remember_database(self, path: Path, keep: int = 8) -> None:
        """Put ``path`` first in the recent-files list."""
        text = str(Path(path).resolve())
        self.recent_databases = [text, *(p for p in self.recent_databases if p != text)][:keep]


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing or damaged file gives the defaults."""
    path = path or paths.settings_file()
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(raw, dict):
        return Settings()
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    defaults = Settings()
    for key, value in raw.items():
        if key in known and isinstance(value, type(getattr(defaults, key))):
            values[key] = value
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (a crash never leaves half a file)."""
    path = path or paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    os.replace(tmp, path)
