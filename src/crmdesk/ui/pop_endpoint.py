"""Opt-in screen pop over HTTP for phone systems: ``GET /pop?number=...``.

Listens on 127.0.0.1 only (off by default; the port comes from the
settings). The request is parsed by hand: one request line and headers, no
body. The handler answers asynchronously with ``{"found": bool, "name": ...}``.
A ``Host`` header naming anything but this computer is refused, so a web page
cannot reach the endpoint through DNS rebinding.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtNetwork import QHostAddress, QTcpServer, QTcpSocket

log = logging.getLogger(__name__)
MAX_REQUEST = 8 * 1024
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
Reply = Callable[[dict[str, Any]], None]
Handler = Callable[[str, Reply], None]
REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}


class PopEndpoint(QObject):
    """A tiny HTTP server: ``handler(number, reply)`` is called per pop request."""

    def __init__(self, handler: Handler, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handler = handler
        self._server = QTcpServer(self)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QTcpSocket, bytes] = {}

    def start(self, port: int) -> bool:
        """Listen on 127.0.0.1:``port`` (0 picks a free port)."""
        self.stop()
        if not self._server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), port):
            log.warning(
                "screen-pop endpoint cannot listen on port %s: %s", port, self._server.errorString()
            )
            return False
        return True

    def stop(self) -> None:
        if self._server.isListening():
            self._server.close()

    @property
    def port(self) -> int:
        return self._server.serverPort() if self._server.isListening() else 0

    def error(self) -> str:
        return self._server.errorString()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QTcpSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QTcpSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\r\n\r\n" not in data and b"\n\n" not in data:
            if len(data) > MAX_REQUEST:
                self._send(socket, 400, {"error": "request too large"})
            else:
                self._buffers[socket] = data
            return
        self._buffers[socket] = b""
        status, body, number = self._parse(data)
        if number is None:
            self._send(socket, status, body)
            return
        answered = False

        def reply(result: dict[str, Any]) -> None:
            nonlocal answered
            if not answered:
                answered = True
                self._send(socket, 200, result)

        self._handler(number, reply)

    @staticmethod
    def _parse(data: bytes) -> tuple[int, dict[str, Any], str | None]:
        """``(status, error body, number)``; number is None when refused."""
        try:
            head = data.decode("latin-1").replace("\r\n", "\n").split("\n\n", 1)[0]
            request_line, *header_lines = head.split("\n")
            method, target, _version = request_line.split(" ", 2)
        except ValueError:
            return 400, {"error": "malformed request"}, None
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if _hostname(headers.get("host", "127.0.0.1")) not in LOCAL_HOSTS:
            return 403, {"error": "only local requests are accepted"}, None
        if method != "GET":
            return 405, {"error": "use GET"}, None
        url = urlsplit(target)
        if url.path != "/pop":
            return 404, {"error": "unknown path; use /pop?number=..."}, None
        number = (parse_qs(url.query).get("number") or [""])[0].strip()
        if not number:
            return 400, {"error": "missing number"}, None
        return 200, {}, number

    def _send(self, socket: QTcpSocket, status: int, body: dict[str, Any]) -> None:
        if not shiboken6.isValid(socket) or socket.state() != QTcpSocket.SocketState.ConnectedState:
            return
        payload = json.dumps(body).encode("utf-8")
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        ).encode("ascii")
        socket.write(head + payload)
        socket.flush()
        socket.disconnectFromHost()


def _hostname(host: str) -> str:
    """``127.0.0.1`` from ``127.0.0.1:47611``, ``[::1]`` from ``[::1]:47611``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0]
