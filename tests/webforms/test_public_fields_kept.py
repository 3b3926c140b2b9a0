"""The public page keeps a form's fields between visits (they are read once, not on
every page and send), and shows a change to them on the very next visit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from convener.team.models import User
from convener.webforms.models import FormField, WebForm
from tests.webforms.support import demo_form

pytestmark = pytest.mark.django_db


def labels_on_the_page(client: Client, form: WebForm) -> list[str]:
    page = client.get(f"/f/{form.slug}/").content.decode()
    return [
        label
        for label in ["First name", "Given name", "Email", "Company"]
        if f">{label}" in page or f"{label}<" in page
    ]


def field_reads(queries: CaptureQueriesContext) -> int:
    return sum('FROM "webforms_formfield"' in q["sql"] for q in queries.captured_queries)


def test_a_forms_fields_are_read_once_for_many_visits(client: Client, member: User) -> None:
    form = demo_form(member)
    client.get(f"/f/{form.slug}/")

    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(f"/f/{form.slug}/").status_code == 200

    assert field_reads(queries) == 0


def test_changes_to_the_fields_show_on_the_next_visit(
    client: Client, logged_in: Client, member: User
) -> None:
    form = demo_form(member)
    assert labels_on_the_page(client, form) == ["First name", "Email"]
    name = FormField.objects.get(form=form, key="name")
    email = FormField.objects.get(form=form, key="email")

    logged_in.post(
        f"/forms/fields/{name.pk}/",
        {"label": "Given name", "kind": "text", "target": "first_name", "key": "name"},
    )
    assert labels_on_the_page(client, form) == ["Given name", "Email"]

    logged_in.post(f"/forms/fields/{email.pk}/move/", {"direction": "up"})
    page = client.get(f"/f/{form.slug}/").content.decode()
    assert page.index("Email") < page.index("Given name")

    logged_in.post(
        f"/forms/{form.pk}/fields/new/", {"label": "Company", "kind": "text", "key": "company"}
    )
    assert labels_on_the_page(client, form) == ["Given name", "Email", "Company"]

    logged_in.post(f"/forms/fields/{name.pk}/delete/")
    assert labels_on_the_page(client, form) == ["Email", "Company"]
