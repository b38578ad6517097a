"""Endpoints beyond sync, each guarded by :mod:`crmdesk.server.rights`:
managing accounts (``manage_users``) and the bulk export (``bulk_export``).

``GET /users`` lists accounts, ``POST /users`` adds one
(``{"username", "password", "role"}``), ``POST /users/{name}/disable`` and
``/enable`` switch one off and on. ``GET /export/rows`` pages every row of a
table as the snapshot does, for an accountant who has no laptop replica.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Query, Request, Security
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from crmdesk.domain.permissions import BULK_EXPORT, MANAGE_USERS
from crmdesk.server import accounts, feeds, openapi, rights
from crmdesk.server.app import API, json_response, read_json
from crmdesk.server.errors import Malformed
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync import protocol

DEFAULT_EXPORT_ROWS = 10_000


def _user_json(user: accounts.User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "disabled": user.disabled}


def install(app: FastAPI, db: ServerDatabase, principal: Callable[..., accounts.Principal]) -> None:
    """Add the account and export endpoints to ``app`` (built by ``app.create_app``)."""

    def manager(who: accounts.Principal = Security(principal)) -> accounts.Principal:  # noqa: B008
        rights.require(who, MANAGE_USERS)
        return who

    def exporter(who: accounts.Principal = Security(principal)) -> accounts.Principal:  # noqa: B008
        rights.require(who, BULK_EXPORT)
        return who

    managers = [Security(manager)]

    @app.get(f"{API}/users", dependencies=managers, responses=openapi.responses(None, 401, 403))
    def list_users() -> Response:
        return json_response({"users": [_user_json(u) for u in accounts.list_users(db)]})

    @app.post(
        f"{API}/users", dependencies=managers, responses=openapi.responses(None, 400, 401, 403)
    )
    async def add_user(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in ("username", "password", "role")
        ):
            raise Malformed("Send 'username', 'password' and 'role' as text.")
        user = await run_in_threadpool(
            accounts.add_user, db, body["username"], body["password"], body["role"]
        )
        return json_response(_user_json(user))

    @app.post(
        f"{API}/users/{{username}}/{{action}}",
        dependencies=managers,
        responses=openapi.responses(None, 400, 401, 403),
    )
    def switch_user(username: str, action: str) -> Response:
        if action not in ("disable", "enable"):
            raise Malformed("Use /disable or /enable.")
        user = accounts.set_disabled(db, username, action == "disable")
        return json_response(_user_json(user))

    @app.get(
        f"{API}/export/rows",
        dependencies=[Security(exporter)],
        responses=openapi.responses(protocol.SnapshotRows, 400, 401, 403),
    )
    def export_rows(
        entity: str = Query(description="the synced table to read"),
        after: str | None = Query(None, description="next_after of the previous page"),
        limit: int = Query(DEFAULT_EXPORT_ROWS, description="rows per page"),
    ) -> Response:
        return json_response(feeds.snapshot_rows(db, entity, after, limit))
