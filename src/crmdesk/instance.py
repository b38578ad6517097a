"""Talking to a running crmdesk window (single instance), without Qt.

The GUI listens with ``QLocalServer`` on :func:`socket_path`; on Linux and
macOS that is a Unix domain socket, so the CLI reaches it with the standard
library. Messages are one line of JSON, e.g. ``{"cmd": "pop", "number": "..."}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from crmdesk.config import paths


def server_name() -> str:
    """The ``QLocalServer`` name: per user and per ``CRMDESK_HOME``."""
    scope = str(paths.config_dir())
    digest = hashlib.sha256(scope.encode()).hexdigest()[:12]
    return f"crmdesk-{os.getuid() if hasattr(os, 'getuid') else 'u'}-{digest}"


def socket_path() -> Path:
    """Where the local socket lives on Unix (what ``QLocalServer`` uses for a name)."""
    return Path(tempfile.gettempdir()) / server_name()


def send_to_running(message: dict[str, Any], timeout: float = 2.0) -> bool:
    """Hand a message to a running window; False when none is listening."""
    if sys.platform == "win32":
        return False
    path = socket_path()
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(message).encode("utf-8") + b"\n")
            reply = sock.recv(64)
    except OSError:
        return False
    return reply.startswith(b"ok")
