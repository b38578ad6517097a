"""Login, tokens (bad, expired, revoked), disabled accounts and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wire import change, push_body, stamp

from crmdesk.errors import NotFound, ValidationError
from crmdesk.server import accounts
from crmdesk.sync.protocol import LoginResponse


def _login(sync_server, username, password, node="laptop-1"):
    with sync_server.client() as http:
        return http.post(
            "/api/v1/login", json={"username": username, "password": password, "node": node}
        )


def _summary_status(sync_server, token):
    with sync_server.client(token) as http:
        return http.get("/api/v1/summary").status_code


def test_login_gives_a_token_that_works_and_expires_in_30_days(sync_server):
    user = sync_server.add_user("anna", "owner", "anna's long password")
    answer = _login(sync_server, "anna", "anna's long password")
    assert answer.status_code == 200
    body = LoginResponse.from_json(answer.json())
    assert (body.username, body.role, body.user_id) == ("anna", "owner", user.id)
    expires = datetime.fromisoformat(body.expires_at)
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    assert _summary_status(sync_server, body.token) == 200


def test_only_the_hash_of_a_token_is_stored(sync_server):
    sync_server.add_user("anna")
    token = sync_server.login("anna")
    with sync_server.db.reading() as conn:
        stored = conn.exec_driver_sql("SELECT token_sha256 FROM tokens").scalars().all()
    assert stored == [accounts.token_digest(token)]
    assert token not in stored


@pytest.mark.parametrize(
    ("username", "password"),
    [("anna", "wrong password"), ("nobody", "whatever password"), ("anna", "")],
)
def test_bad_credentials_are_refused_with_401(sync_server, username, password):
    sync_server.add_user("anna", password="the right password")
    answer = _login(sync_server, username, password)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "unauthorized",
        "message": "The username or the password is wrong.",
    }


def test_disabled_user_cannot_log_in_and_loses_tokens(sync_server):
    sync_server.add_user("bob")
    token = sync_server.login("bob")
    accounts.set_disabled(sync_server.db, "bob")
    assert _summary_status(sync_server, token) == 401
    answer = _login(sync_server, "bob", "correct horse battery staple")
    assert answer.status_code == 401
    assert "disabled" in answer.json()["message"]
    accounts.set_disabled(sync_server.db, "bob", False)
    assert _login(sync_server, "bob", "correct horse battery staple").status_code == 200


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic YW5uYTpwdw==", "Bearer"]
)
def test_missing_or_unknown_token_is_401(sync_server, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    with sync_server.client(**headers) as http:
        for path in ("/api/v1/pull", "/api/v1/snapshot", "/api/v1/summary"):
            answer = http.get(path)
            assert answer.status_code == 401, path
            assert answer.json()["code"] == "unauthorized"
        assert http.post("/api/v1/logout").status_code == 401


def test_expired_token_is_401(sync_server):
    sync_server.add_user("anna")
    expired = accounts.login(
        sync_server.db, "anna", "correct horse battery staple", "n1", token_days=0
    )
    with sync_server.client(expired.token) as http:
        answer = http.get("/api/v1/pull")
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]


def test_logout_revokes_only_that_token(sync_server):
    sync_server.add_user("anna")
    first, second = sync_server.login("anna"), sync_server.login("anna")
    with sync_server.client(first) as http:
        assert http.post("/api/v1/logout").json() == {"status": "ok"}
        answer = http.get("/api/v1/summary")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["message"]
    assert _summary_status(sync_server, second) == 200


def test_revoking_by_user_and_all(sync_server):
    sync_server.add_user("anna")
    sync_server.add_user("bob")
    anna, bob = sync_server.login("anna"), sync_server.login("bob")
    assert accounts.revoke_tokens(sync_server.db, "anna") == 1
    assert (_summary_status(sync_server, anna), _summary_status(sync_server, bob)) == (401, 200)
    assert accounts.revoke_tokens(sync_server.db) == 1
    assert _summary_status(sync_server, bob) == 401
    with pytest.raises(NotFound):
        accounts.revoke_tokens(sync_server.db, "carol")


def test_accountant_may_read_but_not_push(sync_server):
    sync_server.add_user("erik", "accountant")
    token = sync_server.login("erik", node="books")
    with sync_server.client(token) as http:
        for path in ("/api/v1/pull", "/api/v1/snapshot", "/api/v1/summary"):
            assert http.get(path).status_code == 200, path
        body = push_body("books", 1, [change("r1", "name", "X", stamp("books"))])
        answer = http.post("/api/v1/push", json=body)
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
        assert http.get("/api/v1/summary").json()["entities"] == {}


def test_push_with_a_token_of_another_node_is_403(sync_server):
    sync_server.add_user("anna")
    token = sync_server.login("anna", node="laptop-a")
    with sync_server.client(token) as http:
        body = push_body("laptop-b", 1, [change("r1", "name", "X", stamp("laptop-b"))])
        answer = http.post("/api/v1/push", json=body)
    assert answer.status_code == 403
    assert "another node" in answer.json()["message"]


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [
        ("", "long enough pw", "owner"),
        ("a b", "long enough pw", "owner"),
        ("anna", "short", "owner"),
        ("anna", "long enough pw", "admin"),
    ],
)
def test_add_user_refuses_bad_input(sync_server, name, password, role):
    with pytest.raises(ValidationError):
        accounts.add_user(sync_server.db, name, password, role)
    assert accounts.list_users(sync_server.db) == []


def test_usernames_are_unique_ignoring_case(sync_server):
    sync_server.add_user("Anna")
    with pytest.raises(ValidationError, match="already exists"):
        sync_server.add_user("anna")
    assert _login(sync_server, "ANNA", "correct horse battery staple").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "anna", "password": "x"}, {"username": 1, "password": "x", "node": "n"}, []],
)
def test_malformed_login_is_400(sync_server, body):
    with sync_server.client() as http:
        answer = http.post("/api/v1/login", json=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"
