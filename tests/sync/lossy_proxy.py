"""A loopback TCP proxy that can lose the server's answer to a request.

``drop_response_to(b"POST /api/v1/push")`` makes the next request starting
with those bytes reach the server, which handles (and commits) it; the
proxy then reads the answer and closes the client's connection instead of
passing the answer on, as a network that fails at the worst moment would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class LossyProxy:
    """Forwards 127.0.0.1:port to the target; can drop one answer."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self._listener.getsockname()[1]
        self._drop_prefix: bytes | None = None
        self.dropped = 0
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop_response_to(self, prefix: bytes | None) -> None:
        """Lose the answer to the next request that starts with ``prefix`` (None: none)."""
        with self._lock:
            self._drop_prefix = prefix

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lose = threading.Event()

        def upward() -> None:
            try:
                while chunk := client.recv(65536):
                    with self._lock:
                        if self._drop_prefix and chunk.startswith(self._drop_prefix):
                            self._drop_prefix = None
                            lose.set()
                    upstream.sendall(chunk)
            except OSError:
                pass
            finally:
                _shut(upstream)

        threading.Thread(target=upward, daemon=True).start()
        try:
            while chunk := upstream.recv(65536):
                if lose.is_set():
                    # The server has answered, so it has committed: now fail.
                    self.dropped += 1
                    break
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            _shut(client)
            upstream.close()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def lossy_proxy(host: str, port: int) -> Iterator[LossyProxy]:
    proxy = LossyProxy(host, port)
    try:
        yield proxy
    finally:
        proxy.close()
