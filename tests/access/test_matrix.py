"""Every API operation and every page, asked by every person of the matrix: the status
each must get, and whether the change was made or the object listed.

Generated from the API's OpenAPI document and the site's URL resolver, so an endpoint or
page added without a row in tests/access/matrix.py fails here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from convener.api.router import api
from convener.team.models import User
from tests.access.matrix import ALLOWED, ANONYMOUS, API, EXCLUDED_NAMESPACES, PAGES, REFUSED, Row
from tests.access.people import PEOPLE, Person
from tests.access.world import World, build_world

pytestmark = pytest.mark.django_db


def api_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def _route(pattern: str) -> str:
    """A Django route as an OpenAPI path: api/v1/x/<x_id> -> /api/v1/x/{x_id}."""
    return "/" + pattern.replace("<", "{").replace(">", "}")


def page_names() -> set[str]:
    """Every named URL of the site but the API's operations and the excluded namespaces."""
    operations = {path for _, path in api_operations()}
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner not in EXCLUDED_NAMESPACES:
                    walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                assert pattern.name, f"the page {route} has no name to put in the matrix"
                if _route(route) not in operations:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return names


def test_every_api_operation_has_a_row_in_the_matrix() -> None:
    rows = {row.key for row in API}
    assert api_operations() - rows == set(), "add these operations to tests/access/matrix.py"
    assert rows - api_operations() == set(), "these rows name no operation"


def test_every_page_has_a_row_in_the_matrix() -> None:
    rows = {row.route for row in PAGES}
    assert page_names() - rows == set(), "add these pages to tests/access/matrix.py"
    assert rows - page_names() == set(), "these rows name no page"


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@contextmanager
def undone() -> Iterator[None]:
    """Whatever happens inside is rolled back: each person meets the same world."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


def _target(world: World, row: Row) -> dict[str, Any]:
    if row.slug:
        return {"slug": row.slug}
    if not row.target:
        return {}
    return {"pk": getattr(world, row.target).pk}


def _ask_api(client: Client, world: World, row: Row, user: User | None) -> Any:
    path = row.route.format(
        contact_id=world.contact.pk,
        meeting_id=world.meeting.pk,
        action_id=world.action.pk,
        segment_id=world.segment.pk,
        run_id=world.run.pk,
        form_id=world.web_form.pk if world.web_form else 0,
        job_id=world.job.pk if world.job else 0,
        campaign_id=world.campaign.pk if world.campaign else 0,
        event_id=world.calendar_event.pk if world.calendar_event else 0,
        page_id=world.booking_page.pk if world.booking_page else 0,
    )
    headers = {"Authorization": f"Bearer {world.tokens[user.pk]}"} if user else {}
    body = row.body(world, user) if row.body else None
    return client.generic(
        row.method,
        path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def _ask_page(client: Client, world: World, row: Row, user: User | None) -> Any:
    client.logout()
    if user is not None:
        client.force_login(user)
    url = reverse(row.route, kwargs=_target(world, row)) + row.query
    if row.method == "GET":
        return client.get(url)
    return client.post(url, row.body(world, user) if row.body else {})


def _wrong(row: Row, person: Person, response: Any, effect: bool | None, *, api: bool) -> str:
    """What is wrong with the answer `person` got, or ""."""
    verdict = row.rule(person)
    if verdict == ALLOWED:
        status = row.done
    elif verdict == ANONYMOUS:
        status = 401 if api else 302
    else:
        status = REFUSED[verdict]
    problems = []
    if response.status_code != status:
        problems.append(f"got {response.status_code}, expected {status} ({verdict})")
    elif verdict == ANONYMOUS and not api and not response["Location"].startswith("/login/"):
        problems.append(f"sent to {response['Location']}, not to the login page")
    elif api and status >= 400 and set(response.json()) != {"detail", "errors"}:
        problems.append(f"the error is not the API's JSON shape: {response.content!r}")
    elif not api and status == 403 and "You may not do this" not in response.content.decode():
        problems.append("the 403 is not the friendly page")
    if effect is not None and effect != row.effect_expected(person):
        problems.append("the change was made" if effect else "the change was not made / not shown")
    return f"{person}: {'; '.join(problems)}" if problems else ""


def _check(client: Client, world: World, row: Row, *, api: bool) -> list[str]:
    wrong = []
    for person in PEOPLE:
        with undone():
            user = world.user(person)
            ask = _ask_api if api else _ask_page
            response = ask(client, world, row, user)
            effect = row.effect(world, response) if row.effect else None
            wrong.append(_wrong(row, person, response, effect, api=api))
    return [w for w in wrong if w]


@pytest.mark.parametrize("row", API, ids=str)
def test_each_api_operation_answers_each_person_as_the_matrix_says(
    client: Client, world: World, row: Row
) -> None:
    wrong = _check(client, world, row, api=True)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("row", PAGES, ids=lambda row: f"{row}{row.query}")
def test_each_page_answers_each_person_as_the_matrix_says(
    client: Client, world: World, row: Row
) -> None:
    wrong = _check(client, world, row, api=False)
    assert not wrong, "\n".join(wrong)
