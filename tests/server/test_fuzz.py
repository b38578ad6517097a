"""Whatever JSON a client sends to push, the server answers with the protocol's
status codes and an ErrorBody, never a server error."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdesk.sync.hlc import Stamp

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=80),
)
stamps = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda offset, counter, node: str(
            Stamp(time.time_ns() // 1_000_000 + offset, counter, node)
        ),
        st.integers(-(10**6), 10**6),
        st.integers(0, 9999),
        st.text(min_size=1, max_size=70),
    ),
)
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
changes = st.fixed_dictionaries(
    {
        "entity": st.one_of(st.sampled_from(["contacts", "deals", "_deleted"]), anything),
        "row_id": st.one_of(st.text(max_size=70), anything),
        "field": st.one_of(st.sampled_from(["name", "_deleted", "a b"]), anything),
        "value": anything,
        "stamp": st.one_of(stamps, anything),
    },
    optional={"base": st.one_of(stamps, anything), "seq": anything, "user": anything},
)
bodies = st.one_of(
    anything,
    st.fixed_dictionaries(
        {
            "node": st.one_of(st.just("fuzz"), st.text(max_size=70), anything),
            "batch_id": st.one_of(st.text(max_size=70), anything),
            "seq": st.one_of(st.integers(-2, 2**64), anything),
            "changes": st.one_of(st.lists(changes, max_size=4), anything),
        },
    ),
)


def test_push_never_fails_with_a_server_error(sync_server):
    sync_server.add_user("fuzzer")
    token = sync_server.login("fuzzer", node="fuzz")
    with sync_server.client(token) as http:

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(body=bodies)
        def check(body):
            answer = http.post("/api/v1/push", json=body)
            assert answer.status_code in (200, 400, 403, 409, 413), answer.text
            if answer.status_code != 200:
                assert set(answer.json()) == {"code", "message"}

        check()
