"""Whatever a correctly signed sender posts, the answer is JSON and never a server error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convener.team.models import User
from tests.hooks import senders
from tests.hooks.support import deliver, make_hook

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
contacts = st.fixed_dictionaries(
    {
        "id": json_values,
        "contact": st.dictionaries(
            st.sampled_from(["email", "first_name", "zone", "preferred"]), json_values, max_size=4
        ),
    }
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | contacts.map(lambda v: json.dumps(v).encode())
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=bodies)
def test_any_signed_body_gets_a_json_answer_below_500(member: User, body: bytes) -> None:
    client = Client()
    _, token, secret = make_hook(member)

    answer: Any = deliver(client, token, body, senders.generic(secret, body, datetime.now(UTC)))

    assert answer.status_code < 500, answer.content
    assert answer["Content-Type"] == "application/json"
    assert set(answer.json()) >= (
        {"detail", "errors"} if answer.status_code >= 400 else {"meeting"}
    )
