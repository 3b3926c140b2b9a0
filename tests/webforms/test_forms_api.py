"""/api/v1/forms: the forms listed to every member, a form's submissions to its owner."""

from __future__ import annotations

import pytest
from django.test import Client

from convener.team.models import ApiToken, User
from tests.webforms.support import demo_form, send

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user, 'test')[1]}"}


def test_the_owner_reads_the_submissions_and_another_member_may_not(
    client: Client, member: User
) -> None:
    form = demo_form(member)
    send(Client(), form, name="Ada", email="ada@client.example", cv_tz="Asia/Tokyo")
    other = User.objects.create_user("zed", "zed@example.com", "x")

    listed = client.get("/api/v1/forms", headers=bearer(other)).json()
    mine = client.get(f"/api/v1/forms/{form.pk}/submissions", headers=bearer(member)).json()
    refused = client.get(f"/api/v1/forms/{form.pk}/submissions", headers=bearer(other))

    assert [f["name"] for f in listed["items"]] == ["Request a demo"]
    assert listed["items"][0]["public_url"].endswith(f"/f/{form.slug}/")
    (submission,) = mine["items"]
    assert submission["values"]["email"] == "ada@client.example"
    assert submission["browser_timezone"] == "Asia/Tokyo" and submission["status"] == "received"
    assert refused.status_code == 403
