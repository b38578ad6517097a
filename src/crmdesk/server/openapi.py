"""OpenAPI descriptions of the protocol's messages (``/openapi.json``).

The wire types are the dataclasses of :mod:`crmdesk.sync.protocol`; their JSON
schemas are derived from them, so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from crmdesk.sync import audit_wire, protocol

REF = "#/components/schemas/{model}"
MODELS: tuple[type, ...] = (
    protocol.Hello,
    protocol.LoginRequest,
    protocol.LoginResponse,
    protocol.PushRequest,
    protocol.PushResponse,
    protocol.PullResponse,
    protocol.SnapshotPage,
    protocol.SnapshotRows,
    protocol.Summary,
    protocol.ErrorBody,
    audit_wire.AuditHead,
    audit_wire.AuditPush,
)


def ref(model: type) -> dict[str, Any]:
    """A JSON reference to a protocol message's schema."""
    return {"$ref": REF.format(model=model.__name__)}


def request_body(model: type) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is ``model``."""
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref(model)}}}
    }


def responses(model: type | None, *errors: int) -> dict[int | str, dict[str, Any]]:
    """The success answer and the error statuses of a route."""
    json_of: dict[str, Any] = {"application/json": {"schema": ref(model)}} if model else {}
    result: dict[int | str, dict[str, Any]] = {200: {"description": "OK", "content": json_of}}
    for status in errors:
        result[status] = {
            "description": "Refused; see ErrorBody.code",
            "content": {"application/json": {"schema": ref(protocol.ErrorBody)}},
        }
    return result


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the protocol's schemas as components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in MODELS:
                schema = TypeAdapter(model).json_schema(ref_template=REF)
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
