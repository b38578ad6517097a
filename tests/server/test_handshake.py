"""Health, hello, the OpenAPI document and the protocol version check."""

from __future__ import annotations

import pytest

from crmdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Hello


def test_health_answers_without_any_header(sync_server):
    with sync_server.client() as http:
        http.headers.pop(PROTOCOL_HEADER)
        answer = http.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_hello_reports_protocol_range_clock_and_a_stable_server_id(sync_server):
    import time

    with sync_server.client() as http:
        before = time.time_ns() // 1_000_000
        first = Hello.from_json(http.get("/api/v1/hello").json())
        second = Hello.from_json(http.get("/api/v1/hello").json())
        after = time.time_ns() // 1_000_000
    assert first.protocol_min <= PROTOCOL_VERSION <= first.protocol_max
    assert before <= first.server_time_ms <= after
    assert first.server_id == second.server_id
    assert len(first.server_id) >= 8


def test_openapi_lists_every_endpoint_with_the_protocol_schemas(sync_server):
    with sync_server.client() as http:
        http.headers.pop(PROTOCOL_HEADER)
        document = http.get("/openapi.json").json()
    paths = document["paths"]
    for path in ("health", "hello", "login", "logout", "push", "pull", "snapshot", "summary"):
        assert f"/api/v1/{path}" in paths
    push = paths["/api/v1/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PushRequest"
    }
    schemas = document["components"]["schemas"]
    assert {"PushRequest", "PushResponse", "Change", "Conflict", "ErrorBody"} <= set(schemas)
    assert set(schemas["Change"]["required"]) == {"entity", "row_id", "field", "value", "stamp"}


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "client_too_old"),
        ("0", "client_too_old"),
        ("one", "client_too_old"),
        (str(PROTOCOL_VERSION + 1), "client_too_new"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/hello", "/api/v1/pull", "/api/v1/login"])
def test_wrong_protocol_version_is_refused_with_426(sync_server, header, code, path):
    with sync_server.client() as http:
        if header is None:
            http.headers.pop(PROTOCOL_HEADER)
        else:
            http.headers[PROTOCOL_HEADER] = header
        answer = http.request("POST" if path.endswith("login") else "GET", path, json={})
    assert answer.status_code == 426
    body = answer.json()
    assert body["code"] == code
    assert "update" in body["message"]


def test_unknown_endpoint_is_an_error_body(sync_server):
    with sync_server.client() as http:
        answer = http.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
