"""The ASGI app: the sync protocol's endpoints over a :class:`ServerDatabase`.

Blocking work (argon2, database) runs in the thread pool; request bodies are
read in the event loop, counting bytes so an oversized body is refused before
it is all read. Every refusal is an ``ErrorBody`` with the protocol's code.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from crmdesk.errors import CrmdeskError, DatabaseBusy
from crmdesk.server import accounts, audit_chains, feeds, merge, openapi, rights
from crmdesk.server.errors import (
    ApiError,
    DatabaseUnavailable,
    Malformed,
    ProtocolMismatch,
    TooLarge,
    Unauthorized,
)
from crmdesk.server.storage import ServerDatabase, resolve_url
from crmdesk.sync import protocol
from crmdesk.sync.audit_wire import AuditHead, AuditPush
from crmdesk.sync.protocol import (
    MAX_BATCH_CHANGES,
    MAX_BODY_BYTES,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ErrorBody,
    LoginRequest,
    ProtocolError,
    PushRequest,
)

log = logging.getLogger(__name__)

API = "/api/v1"
HEALTH = f"{API}/health"
DEFAULT_PULL_LIMIT = 1000
DEFAULT_SNAPSHOT_ROWS = 500
DEFAULT_SNAPSHOT_ENTITY_ROWS = 10_000
ENV_TOKEN_DAYS = "CRMDESK_TOKEN_DAYS"
_STATUS_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "too_large"}


def json_response(payload: dict[str, Any] | bytes | str, status: int = 200) -> Response:
    """Compact JSON, as the protocol sends it."""
    body = payload if isinstance(payload, bytes | str) else protocol.dumps(payload)
    return Response(body, status_code=status, media_type="application/json")


def error_response(status: int, code: str, message: str) -> Response:
    """An ``ErrorBody`` answer."""
    return json_response(ErrorBody(code, message).to_json(), status)


def _protocol_problem(raw: str | None) -> ProtocolMismatch | None:
    version = int(raw) if raw is not None and raw.strip().isdigit() else None
    if version is None or version < MIN_PROTOCOL_VERSION:
        return ProtocolMismatch(
            "This crmdesk is too old for the sync server; please update crmdesk.",
            "client_too_old",
        )
    if version > PROTOCOL_VERSION:
        return ProtocolMismatch(
            "This crmdesk is newer than the sync server; ask for the server to be updated.",
            "client_too_new",
        )
    return None


class ProtocolGate:
    """Refuses (426) every API request without a protocol version this server speaks.

    The health check is exempt so load balancers and monitors can call it as is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and path != HEALTH:
            problem = _protocol_problem(Headers(scope=scope).get(PROTOCOL_HEADER))
            if problem is not None:
                response = error_response(problem.status, problem.code, str(problem))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_json(request: Request) -> Any:
    """The request's JSON body; ``TooLarge`` as soon as it passes ``MAX_BODY_BYTES``."""
    too_large = TooLarge(f"The request is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("The request body is not valid JSON.") from exc


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _bearer(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Sign in first: the request has no bearer token.")
    return credentials.credentials


def create_app(
    db: ServerDatabase, *, token_days: float = accounts.DEFAULT_TOKEN_DAYS, close_db: bool = False
) -> FastAPI:
    """The sync server app over ``db`` (closed at shutdown when ``close_db``)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_db:
            db.close()

    app = FastAPI(
        title="crmdesk sync server",
        version=str(PROTOCOL_VERSION),
        description=(protocol.__doc__ or "").strip(),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(ProtocolGate)
    openapi.install(app)
    _install_error_handlers(app)
    server_id = db.server_id()
    bearer = HTTPBearer(auto_error=False)

    def principal(
        credentials: HTTPAuthorizationCredentials | None = Security(bearer),  # noqa: B008
    ) -> accounts.Principal:
        return accounts.authenticate(db, _bearer(credentials))

    @app.get(HEALTH, responses=openapi.responses(None, 503))
    def health() -> Response:
        with db.reading() as conn:
            feeds.current_seq(conn)
        return json_response({"status": "ok"})

    @app.get(f"{API}/hello", responses=openapi.responses(protocol.Hello, 426))
    def hello() -> Response:
        return json_response(
            protocol.Hello(
                MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, accounts.now_ms(), server_id
            ).to_json()
        )

    @app.post(
        f"{API}/login",
        openapi_extra=openapi.request_body(LoginRequest),
        responses=openapi.responses(protocol.LoginResponse, 400, 401, 413, 426),
    )
    async def login(request: Request) -> Response:
        try:
            body = LoginRequest.from_json(await read_json(request))
        except ProtocolError as exc:
            raise Malformed(f"The login request is malformed: {exc}.") from exc
        answer = await run_in_threadpool(
            accounts.login, db, body.username, body.password, body.node, token_days
        )
        return json_response(answer.to_json())

    @app.post(f"{API}/logout", responses=openapi.responses(None, 401, 426))
    def logout(who: accounts.Principal = Security(principal)) -> Response:  # noqa: B008
        accounts.logout(db, who)
        return json_response({"status": "ok"})

    @app.post(
        f"{API}/push",
        openapi_extra=openapi.request_body(PushRequest),
        responses=openapi.responses(protocol.PushResponse, 400, 401, 403, 409, 413, 426),
    )
    async def push(request: Request) -> Response:
        credentials = await bearer(request)
        who = await run_in_threadpool(accounts.authenticate, db, _bearer(credentials))
        rights.check_may_push(who)
        data = await read_json(request)
        changes = data.get("changes") if isinstance(data, dict) else None
        if isinstance(changes, list) and len(changes) > MAX_BATCH_CHANGES:
            raise TooLarge(f"A batch holds at most {MAX_BATCH_CHANGES} changes; split it.")
        try:
            body = PushRequest.from_json(data)
        except ProtocolError as exc:
            raise Malformed(f"The push request is malformed: {exc}.") from exc
        text = await run_in_threadpool(merge.push, db, who, body, accounts.now_ms())
        return json_response(text)

    signed_in = [Security(principal)]

    @app.get(
        f"{API}/pull",
        dependencies=signed_in,
        responses=openapi.responses(protocol.PullResponse, 401, 422, 426),
    )
    def pull(
        cursor: int = Query(0, description="the last next_cursor applied"),
        limit: int = Query(DEFAULT_PULL_LIMIT, description="changes per page"),
    ) -> Response:
        return json_response(feeds.pull(db, cursor, limit, accounts.now_ms()))

    @app.get(
        f"{API}/snapshot",
        dependencies=signed_in,
        responses=openapi.responses(protocol.SnapshotPage, 400, 401, 426),
    )
    def snapshot(
        after: str | None = Query(None, description="next_after of the previous page"),
        limit: int = Query(DEFAULT_SNAPSHOT_ROWS, description="rows per page"),
    ) -> Response:
        return json_response(feeds.snapshot(db, after, limit))

    @app.get(
        f"{API}/snapshot/rows",
        dependencies=signed_in,
        responses=openapi.responses(protocol.SnapshotRows, 400, 401, 426),
    )
    def snapshot_rows(
        entity: str = Query(description="the synced table to read"),
        after: str | None = Query(None, description="next_after of the previous page"),
        limit: int = Query(DEFAULT_SNAPSHOT_ENTITY_ROWS, description="rows per page"),
    ) -> Response:
        return json_response(feeds.snapshot_rows(db, entity, after, limit))

    @app.get(
        f"{API}/summary",
        dependencies=signed_in,
        responses=openapi.responses(protocol.Summary, 401, 426),
    )
    def summary() -> Response:
        return json_response(feeds.summary(db).to_json())

    @app.get(f"{API}/audit/head", responses=openapi.responses(AuditHead, 401, 426))
    def audit_head(who: accounts.Principal = Security(principal)) -> Response:  # noqa: B008
        return json_response(audit_chains.read_head(db, who).to_json())

    @app.post(
        f"{API}/audit",
        openapi_extra=openapi.request_body(AuditPush),
        responses=openapi.responses(AuditHead, 400, 401, 403, 409, 413, 426),
    )
    async def audit_push(request: Request) -> Response:
        credentials = await bearer(request)
        who = await run_in_threadpool(accounts.authenticate, db, _bearer(credentials))
        try:
            body = AuditPush.from_json(await read_json(request))
        except ProtocolError as exc:
            raise Malformed(f"The audit push is malformed: {exc}.") from exc
        answer = await run_in_threadpool(audit_chains.push, db, who, body, accounts.now_ms())
        return json_response(answer.to_json())

    from crmdesk.server import admin  # it builds on this module's helpers

    admin.install(app, db, principal)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, str(exc))

    async def known_error(_request: Request, exc: Exception) -> Response:
        if isinstance(exc, DatabaseUnavailable | DatabaseBusy):
            log.warning("database trouble: %s", exc)
            return error_response(503, "server_error", "The server's database is unavailable.")
        return error_response(400, "malformed", str(exc))

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _STATUS_CODES.get(exc.status_code, "malformed")
        message = "There is no such endpoint." if exc.status_code == 404 else str(exc.detail)
        return error_response(exc.status_code, code, message)

    async def invalid_request(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
        return error_response(422, "malformed", f"The request has invalid parameters ({where}).")

    async def bug(_request: Request, exc: Exception) -> Response:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "server_error", "Something went wrong on the server.")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(CrmdeskError, known_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, bug)


def app_from_environment() -> FastAPI:
    """App factory for ``uvicorn --factory`` (one per worker process): the database
    from ``CRMDESK_DATABASE_URL`` / ``CRMDESK_SERVER_DATA``, token lifetime from
    ``CRMDESK_TOKEN_DAYS``."""
    token_days = float(os.environ.get(ENV_TOKEN_DAYS, accounts.DEFAULT_TOKEN_DAYS))
    return create_app(ServerDatabase.open(resolve_url()), token_days=token_days, close_db=True)
