"""Every file location crmdesk uses, in one place (built on platformdirs).

``CRMDESK_HOME`` moves all of them under one folder: tests, portable installs
and screenshots use it so nothing touches the real profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "crmdesk"
DB_FILE_NAME = "crmdesk.db"


def _home_override() -> Path | None:
    home = os.environ.get("CRMDESK_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    """Folder of the default database and its backups."""
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Folder of the settings file."""
    home = _home_override()
    return (
        home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )


def log_dir() -> Path:
    """Folder of the log file (tracebacks of bugs go there, not on screen)."""
    home = _home_override()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    """The database used when neither ``--db`` nor ``CRMDESK_DB`` names one."""
    return data_dir() / DB_FILE_NAME


def backup_dir() -> Path:
    """Folder of automatic and pre-migration backups."""
    return data_dir() / "backups"


def settings_file() -> Path:
    """The JSON file holding the user's settings."""
    return config_dir() / "settings.json"


def server_data_dir() -> Path:
    """Folder of the sync server's SQLite database (``CRMDESK_SERVER_DATA`` overrides)."""
    chosen = os.environ.get("CRMDESK_SERVER_DATA")
    if chosen:
        return Path(chosen).expanduser()
    home = _home_override()
    return (
        home / "server"
        if home
        else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "server"
    )
