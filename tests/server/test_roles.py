"""The server enforces the permission table whatever the client: raw HTTP with each
role's token (built-in and custom) against account management, bulk export and
pushes (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from wire import change, push_body, stamp

from crmdesk.domain import permissions as p
from crmdesk.errors import NotFound, ValidationError
from crmdesk.server import accounts, roles

#: Custom roles an owner might make, beside the three built-in ones.
CUSTOM = {
    "viewer": (p.VIEW, p.EXPORT),
    "editor": (p.VIEW, p.EDIT),
    "cleaner": (p.VIEW, p.EDIT, p.DELETE, p.BULK_EXPORT),
}
ROLES = (*p.BUILTIN_ROLES, *CUSTOM)


def _grants(role: str) -> frozenset[str]:
    return p.BUILTIN_ROLES.get(role) or frozenset(CUSTOM[role])


def _make(sync_server, role: str) -> None:  # type: ignore[no-untyped-def]
    if role in CUSTOM:
        roles.add_role(sync_server.db, role, list(CUSTOM[role]), accounts.now_ms())


#: request -> the permission it needs; each is (method, path, JSON body or None)
REQUESTS = {
    "list accounts": (p.MANAGE_USERS, "GET", "/api/v1/users", None),
    "add an account": (
        p.MANAGE_USERS,
        "POST",
        "/api/v1/users",
        {"username": "mallory", "password": "a long enough password", "role": "owner"},
    ),
    "disable an account": (p.MANAGE_USERS, "POST", "/api/v1/users/target/disable", None),
    "bulk export": (p.BULK_EXPORT, "GET", "/api/v1/export/rows?entity=contacts", None),
    "snapshot": (p.VIEW, "GET", "/api/v1/snapshot", None),
}


@pytest.mark.parametrize("request_name", list(REQUESTS))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_guarded_endpoints(sync_server, role: str, request_name: str) -> None:
    sync_server.add_user("target")
    _make(sync_server, role)
    sync_server.add_user("someone", role)
    needed, method, path, body = REQUESTS[request_name]
    with sync_server.client(sync_server.login("someone")) as http:
        answer = http.request(method, path, json=body)
    if needed in _grants(role):
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "forbidden"
        assert role in answer.json()["message"]
    names = {u.username: u for u in accounts.list_users(sync_server.db)}
    assert ("mallory" in names) == (request_name == "add an account" and role == "owner")
    assert names["target"].disabled == (request_name == "disable an account" and role == "owner")


PUSHES = {
    "edit a contact": (p.EDIT, "contacts", "first_name", "Ann"),
    "delete a contact": (p.DELETE, "contacts", "_deleted", True),
    "purge a contact": (p.PURGE, "contacts", "_purged", True),
    "push a user row": (p.MANAGE_USERS, "users", "role", "owner"),
    "push a role row": (p.MANAGE_USERS, "roles", "permissions", '["purge"]'),
}


@pytest.mark.parametrize("push_name", list(PUSHES))
@pytest.mark.parametrize("role", ROLES)
def test_role_against_pushes(sync_server, role: str, push_name: str) -> None:
    _make(sync_server, role)
    sync_server.add_user("someone", role)
    needed, entity, field, value = PUSHES[push_name]
    token = sync_server.login("someone", node="laptop")
    changes = [change("row-1", field, value, stamp("laptop"), entity=entity)]
    with sync_server.client(token) as http:
        answer = http.post("/api/v1/push", json=push_body("laptop", 1, changes))
        stored = http.get("/api/v1/summary").json()["entities"]
    if needed in _grants(role) and p.EDIT in _grants(role):
        assert answer.status_code == 200, answer.text
        assert entity in stored
    else:
        assert answer.status_code == 403, answer.text
        assert stored == {}  # nothing of the batch was kept


def test_a_forbidden_row_spoils_the_whole_batch(sync_server) -> None:
    sync_server.add_user("sam", "salesperson")
    token = sync_server.login("sam", node="laptop")
    changes = [
        change("c-1", "first_name", "Ann", stamp("laptop")),
        change("u-1", "role", "owner", stamp("laptop"), entity="users"),
    ]
    with sync_server.client(token) as http:
        answer = http.post("/api/v1/push", json=push_body("laptop", 1, changes))
        assert answer.status_code == 403
        assert "manage users" in answer.json()["message"]
        ok = http.post("/api/v1/push", json=push_body("laptop", 1, changes[:1]))
        assert ok.status_code == 200  # the refused batch did not use up sequence 1


def test_owner_manages_accounts_over_http(sync_server) -> None:
    sync_server.add_user("olga", "owner")
    with sync_server.client(sync_server.login("olga")) as http:
        bad = http.post(
            "/api/v1/users", json={"username": "x", "password": "short", "role": "owner"}
        )
        assert bad.status_code == 400 and "at least 8" in bad.json()["message"]
        added = http.post(
            "/api/v1/users",
            json={"username": "sam", "password": "sam's long password", "role": "salesperson"},
        )
        assert added.json() == {"username": "sam", "role": "salesperson", "disabled": False}
        listed = http.get("/api/v1/users").json()["users"]
        assert [u["username"] for u in listed] == ["olga", "sam"]
        assert http.post("/api/v1/users/sam/disable").json()["disabled"] is True
        assert http.post("/api/v1/users/sam/explode").status_code == 400


def test_custom_roles_are_checked_named_and_removed_when_unused(sync_server) -> None:
    with pytest.raises(ValidationError, match="unknown permission 'teleport'"):
        roles.add_role(sync_server.db, "odd", ["view", "teleport"], 0)
    with pytest.raises(ValidationError, match="built-in role"):
        roles.add_role(sync_server.db, "Owner", ["view"], 0)
    with pytest.raises(ValidationError, match="not a role; choose one of owner, salesperson"):
        accounts.add_user(sync_server.db, "vera", "a long enough password", "viewer")
    roles.add_role(sync_server.db, "viewer", ["export", "view"], 0)
    sync_server.add_user("vera", "viewer")
    listed = {r.name: r for r in roles.list_roles(sync_server.db)}
    assert listed["viewer"].permissions == ("view", "export") and not listed["viewer"].builtin
    with pytest.raises(ValidationError, match="still have the role 'viewer'"):
        roles.remove_role(sync_server.db, "viewer")
    accounts.set_disabled(sync_server.db, "vera")
    with pytest.raises(ValidationError, match="still have"):
        roles.remove_role(sync_server.db, "viewer")  # a disabled account keeps its role
    with pytest.raises(NotFound):
        roles.remove_role(sync_server.db, "nobody")
