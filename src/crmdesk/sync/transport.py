"""HTTP transport of the sync protocol (httpx), with one clear error per failure."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from crmdesk.errors import AuditDiverged, SyncError, SyncLoginRequired
from crmdesk.sync.audit_wire import AUDIT_DIVERGED, AuditHead, AuditPush
from crmdesk.sync.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Hello,
    LoginRequest,
    LoginResponse,
    ProtocolError,
    PullResponse,
    PushRequest,
    PushResponse,
    SnapshotRows,
    Summary,
    dumps,
)

TIMEOUT_S = 30.0
NO_DELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
T = TypeVar("T")


@cache
def _tls_context() -> ssl.SSLContext:
    """The system's CA certificates, loaded once (loading takes ~70 ms)."""
    return ssl.create_default_context()


class ServerRefused(SyncError):
    """The server answered with an error body (``code`` tells which)."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class Transport:
    """One server, spoken to over HTTP; ``token`` is sent once logged in."""

    def __init__(self, url: str, *, timeout: float = TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise SyncError(f"'{url}' is not a server address; use http://HOST:PORT.")
        self.token: str | None = None
        import httpx  # here, not at the top: httpx costs 0.2 s of every start-up

        self._httpx = httpx
        self._client = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
            # Small requests go out at once (no Nagle wait for the last segment).
            transport=httpx.HTTPTransport(verify=_tls_context(), socket_options=[NO_DELAY]),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # -- endpoints ---------------------------------------------------------------

    def hello(self) -> Hello:
        """Protocol range and server time."""
        return self._parse(Hello.from_json, self._call("GET", "/api/v1/hello", auth=False))

    def login(self, request: LoginRequest) -> LoginResponse:
        """Exchange a password for a token (kept for the following calls)."""
        try:
            data = self._call("POST", "/api/v1/login", body=request.to_json(), auth=False)
        except SyncLoginRequired as exc:
            raise SyncLoginRequired(
                f"The server at {self.url} refused the login of {request.username}: {exc.reason}."
            ) from exc
        response: LoginResponse = self._parse(LoginResponse.from_json, data)
        self.token = response.token
        return response

    def push(self, request: PushRequest) -> PushResponse:
        """Send one batch of changes."""
        data = self._call("POST", "/api/v1/push", body=request.to_json())
        return self._parse(PushResponse.from_json, data)

    def pull(self, cursor: int, limit: int) -> PullResponse:
        """Changes after ``cursor``."""
        params = {"cursor": cursor, "limit": limit}
        return self._parse(PullResponse.from_json, self._call("GET", "/api/v1/pull", params=params))

    def snapshot_rows(self, entity: str, after: str | None, limit: int) -> SnapshotRows:
        """One page of ``entity``'s current rows, compact (a first sync's read)."""
        params: dict[str, Any] = {"entity": entity, "limit": limit}
        if after is not None:
            params["after"] = after
        try:
            data = self._call("GET", "/api/v1/snapshot/rows", params=params)
        except ServerRefused as exc:
            if exc.code != "not_found":
                raise
            raise SyncError(
                f"The server at {self.url} is older than this crmdesk; "
                "ask for the server to be updated."
            ) from exc
        page: SnapshotRows = self._parse(SnapshotRows.from_json, data)
        if page.entity != entity:
            raise SyncError(
                f"The server at {self.url} sent a malformed answer "
                f"(rows of {page.entity!r} when asked for {entity!r})."
            )
        return page

    def summary(self) -> Summary:
        """Per-entity row counts and checksums."""
        return self._parse(Summary.from_json, self._call("GET", "/api/v1/summary"))

    def audit_head(self) -> AuditHead | None:
        """How much of this node's audit chain the server holds (None: a server
        too old to keep audit chains)."""
        try:
            data = self._call("GET", "/api/v1/audit/head")
        except ServerRefused as exc:
            if exc.code == "not_found":
                return None
            raise
        return self._parse(AuditHead.from_json, data)

    def audit_push(self, request: AuditPush) -> AuditHead:
        """Send entries continuing this node's audit chain."""
        try:
            data = self._call("POST", "/api/v1/audit", body=request.to_json())
        except ServerRefused as exc:
            if exc.code != AUDIT_DIVERGED:
                raise
            raise AuditDiverged(str(exc).removeprefix("The server says: ")) from exc
        return self._parse(AuditHead.from_json, data)

    # -- plumbing ----------------------------------------------------------------

    def _parse(self, parse: Callable[[Any], T], data: Any) -> T:
        try:
            return parse(data)
        except (ProtocolError, AttributeError, TypeError) as exc:
            raise SyncError(f"The server at {self.url} sent a malformed answer ({exc}).") from exc

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth:
            if self.token is None:
                raise SyncLoginRequired("Log in to the sync server first.")
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._client.request(
                method,
                path,
                content=None if body is None else dumps(body),
                params=params,
                headers=headers,
            )
        except self._httpx.TimeoutException as exc:
            raise SyncError(f"The server at {self.url} did not answer in time.") from exc
        except self._httpx.HTTPError as exc:
            raise SyncError(f"Cannot reach the server at {self.url}.") from exc
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if response.status_code >= 400:
            raise self._refusal(response.status_code, data)
        if data is None:
            raise SyncError(f"The server at {self.url} sent an answer crmdesk cannot read.")
        return data

    def _refusal(self, status: int, data: Any) -> SyncError:
        code = str(data.get("code", "")) if isinstance(data, dict) else ""
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        if status == 426 or code in ("client_too_old", "client_too_new"):
            if code == "client_too_new":
                return ServerRefused(
                    f"The server at {self.url} runs an older crmdesk protocol; "
                    "ask for the server to be updated.",
                    code,
                    status,
                )
            return ServerRefused(
                f"This crmdesk is too old for the server at {self.url}; please update crmdesk.",
                code or "client_too_old",
                status,
            )
        if status == 401:
            reason = message.rstrip(".") or "the sign-in is not accepted"
            return SyncLoginRequired(
                f"The server at {self.url} wants a new login ({reason}).", reason
            )
        text = message.rstrip(".") if message else f"error {status}"
        return ServerRefused(f"The server says: {text}.", code or "server_error", status)
