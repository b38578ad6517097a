"""One window per user and profile: later launches hand their request over.

The running window listens with ``QLocalServer`` on
:func:`crmdesk.instance.server_name`; the CLI (:func:`crmdesk.instance.send_to_running`)
connects to :func:`crmdesk.instance.socket_path`, sends one line of JSON and
expects a reply starting with ``ok``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from crmdesk import instance

log = logging.getLogger(__name__)
MAX_MESSAGE = 16 * 1024


class InstanceServer(QObject):
    """Receives messages from later launches; emits each as a dict."""

    message_received = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening (clearing a stale socket a crash left behind)."""
        name = instance.server_name()
        QLocalServer.removeServer(name)
        if not self._server.listen(name):
            log.warning("single-instance server could not listen: %s", self._server.errorString())
            return False
        if sys.platform != "win32" and not self._at_expected_path():
            # QDir.tempPath() differs from tempfile.gettempdir(): use the full path instead.
            self._server.close()
            path = str(instance.socket_path())
            QLocalServer.removeServer(path)
            if not self._server.listen(path):
                log.warning("single-instance server could not listen on %s", path)
                return False
        return True

    def _at_expected_path(self) -> bool:
        expected = instance.socket_path()
        return Path(self._server.fullServerName()) == expected and expected.exists()

    @property
    def path(self) -> str:
        return self._server.fullServerName()

    def close(self) -> None:
        """Stop listening and remove the socket file."""
        if self._server.isListening():
            self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data and len(data) < MAX_MESSAGE:
            self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        message = self._parse(line)
        socket.write(b"ok\n" if message is not None else b"error\n")
        socket.flush()
        socket.disconnectFromServer()
        if message is not None:
            self.message_received.emit(message)

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    @staticmethod
    def _parse(line: bytes) -> dict[str, Any] | None:
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            log.warning("ignored a malformed single-instance message")
            return None
        if not isinstance(message, dict) or not isinstance(message.get("cmd"), str):
            return None
        return message
