"""Two server processes on one PostgreSQL database, several laptops pushing at
once, and a reader pulling all the while: it sees every change exactly once, in
an order consistent with the commits."""

from __future__ import annotations

import os
import threading

import httpx
import psutil
from test_cli import free_port, start_serve, stop_serve
from wire import change, push, stamp

from crmdesk.server import accounts
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.protocol import PROTOCOL_HEADER, PullResponse

WRITERS = 6
BATCHES = 12
PER_BATCH = 5
PASSWORD = "a long enough password"


def _client(base: str, token: str | None = None) -> httpx.Client:
    headers = {PROTOCOL_HEADER: "1"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return httpx.Client(base_url=base, headers=headers, timeout=60)


def _login(base: str, name: str, node: str) -> str:
    with _client(base) as http:
        answer = http.post(
            "/api/v1/login", json={"username": name, "password": PASSWORD, "node": node}
        )
    answer.raise_for_status()
    return str(answer.json()["token"])


def test_two_processes_concurrent_pushes_pulled_once_in_commit_order(postgres_url):
    db, _ = ServerDatabase.initialise(postgres_url)
    for i in range(WRITERS):
        accounts.add_user(db, f"seller{i}", PASSWORD, "salesperson")
    accounts.add_user(db, "reader", PASSWORD, "accountant")
    db.close()
    port = free_port()
    env = os.environ | {"CRMDESK_DATABASE_URL": postgres_url}
    process = start_serve(["--workers", "2"], port, env)
    try:
        children = psutil.Process(process.pid).children(recursive=True)
        workers = [p for p in children if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 2
        base = f"http://127.0.0.1:{port}"
        done = threading.Event()
        errors: list[BaseException] = []
        seen: list[PullResponse] = []

        def write(i: int) -> None:
            node = f"laptop{i}"
            try:
                with _client(base, _login(base, f"seller{i}", node)) as http:
                    for b in range(1, BATCHES + 1):
                        at = stamp(node)
                        batch = [change(f"w{i}-b{b}", f"f{k}", k, at) for k in range(PER_BATCH)]
                        assert push(http, node, b, batch).accepted == PER_BATCH
            except BaseException as exc:
                errors.append(exc)

        def read() -> None:
            cursor = 0
            try:
                with _client(base, _login(base, "reader", "books")) as http:
                    while True:
                        finished = done.is_set()
                        answer = http.get("/api/v1/pull", params={"cursor": cursor, "limit": 7})
                        assert answer.status_code == 200, answer.text
                        page = PullResponse.from_json(answer.json())
                        seen.append(page)
                        assert page.next_cursor >= cursor
                        cursor = page.next_cursor
                        if finished and not page.has_more:
                            return
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        reader = threading.Thread(target=read)
        reader.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        done.set()
        reader.join(120)
        assert errors == []
    finally:
        stop_serve(process)

    pulled = [c for page in seen for c in page.changes]
    keys = [(c.row_id, c.field) for c in pulled]
    assert len(keys) == len(set(keys)) == WRITERS * BATCHES * PER_BATCH  # each exactly once
    seqs = [c.seq for c in pulled]
    assert seqs == sorted(seqs)  # pulls never go back: commit order
    assert len([p for p in seen if p.changes]) > BATCHES  # the reader really ran alongside
    for i in range(WRITERS):  # each laptop's batches committed in the order it sent them
        order = [int(c.row_id.split("-b")[1]) for c in pulled if c.row_id.startswith(f"w{i}-")]
        assert order == sorted(order)
