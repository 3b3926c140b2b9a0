"""An import acts as the person who uploaded it: a row may add a contact only if they may
add contacts, and change one only if they may change it; rows they may not apply are
reported with the permission they lack, and the others are imported. An import itself is
seen by its uploader and the administrators only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.imports.models import ContactImport
from convener.team.members import permissions
from convener.team.models import User
from tests.conftest import run_worker
from tests.imports.support import csv_bytes, run, start, uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def mike(db: Any) -> User:
    return User.objects.create_user("mike", "mike@example.com", "x", first_name="Mike")


@pytest.fixture
def imported(signed_in: Client, django_capture_on_commit_callbacks: Any) -> Any:
    def do(rows: list[list[str]]) -> ContactImport:
        job = uploaded(signed_in, csv_bytes(rows))
        return run(django_capture_on_commit_callbacks, signed_in, job)

    return do


def reasons(job: ContactImport) -> dict[int, tuple[str, str]]:
    return {row: (column, message) for row, column, message in job.problems}


def test_a_member_cannot_give_new_contacts_to_someone_else(imported: Any, mike: User) -> None:
    job = imported(
        [
            ["Email", "Owner"],
            ["ann@example.org", ""],
            ["dan@example.org", "mike@example.com"],
        ]
    )
    assert (job.created_contacts, job.skipped_rows) == (1, 1)
    assert reasons(job) == {
        3: (
            "Owner",
            "Giving a contact to another member, or to nobody, needs the permission “Can "
            "edit other members' contacts”.",
        )
    }
    assert not Contact.objects.filter(email="dan@example.org").exists()


def test_another_members_contact_is_reported_not_changed(imported: Any, mike: User) -> None:
    theirs = Contact.objects.create(email="lead@example.org", company="Old", owner=mike)
    job = imported([["Email", "Company"], ["lead@example.org", "New"], ["new@example.org", "X"]])
    assert (job.created_contacts, job.updated_contacts, job.skipped_rows) == (1, 0, 1)
    assert reasons(job)[2] == (
        "",
        "Changing another member's contacts needs the permission “Can edit other members' "
        "contacts”.",
    )
    theirs.refresh_from_db()
    assert theirs.company == "Old"


def test_a_contact_the_member_may_not_see_is_reported_without_showing_it(
    imported: Any, member: Any, mike: User
) -> None:
    member.groups.clear()
    member.user_permissions.set(permissions(["team.view_own_contacts", "team.edit_own_contacts"]))
    Contact.objects.create(email="hidden@example.org", company="Secret", owner=mike)
    job = imported([["Email", "Company"], ["HIDDEN@example.org", "Mine now"]])
    assert reasons(job) == {
        2: (
            "Email",
            "Another contact already has this email address (in any letter case), and you "
            "may not change it.",
        )
    }
    assert Contact.objects.get(email="hidden@example.org").company == "Secret"


def test_a_member_who_may_edit_others_contacts_updates_them_and_reassigns(
    imported: Any, member: Any, mike: User
) -> None:
    member.user_permissions.add(*permissions(["team.edit_others_contacts"]))
    Contact.objects.create(email="lead@example.org", owner=mike)
    job = imported([["Email", "Owner"], ["lead@example.org", "ann@example.com"]])
    assert job.updated_contacts == 1
    assert Contact.objects.get(email="lead@example.org").owner == member


def test_permissions_are_those_the_uploader_holds_when_the_rows_are_written(
    signed_in: Client, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = uploaded(signed_in, csv_bytes([["Email"], ["ann@example.org"]]))
    with django_capture_on_commit_callbacks(execute=True):
        start(signed_in, job)
    member.groups.clear()  # taken away while the import waited for the worker
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created_contacts, job.skipped_rows) == ("done", 0, 1)
    assert reasons(job)[2][1].startswith("Adding contacts needs the permission")


def test_an_import_is_seen_by_its_uploader_and_administrators_only(
    signed_in: Client, client: Client, mike: User
) -> None:
    job = uploaded(signed_in, csv_bytes([["Email"], ["ann@example.org"]]), name="mine.csv")
    client.force_login(mike)
    for path in ("", "report.csv"):
        assert client.get(f"/contacts/import/{job.pk}/{path}").status_code == 404
    assert "mine.csv" not in client.get("/contacts/import/").content.decode()
    assert client.post(f"/contacts/import/{job.pk}/start/").status_code == 404
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    listing = client.get("/contacts/import/").content.decode()
    assert "mine.csv" in listing
    assert "by Ann Lee" in listing
    assert client.get(f"/contacts/import/{job.pk}/").status_code == 200


def test_the_uploader_without_the_add_permission_still_sees_the_import_but_cannot_start_it(
    signed_in: Client, member: Any
) -> None:
    job = uploaded(signed_in, csv_bytes([["Email"], ["ann@example.org"]]))
    member.groups.clear()
    assert signed_in.get(f"/contacts/import/{job.pk}/").status_code == 200
    response = start(signed_in, job)
    assert response.status_code == 403
    assert "Adding contacts needs the permission" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ContactImport.Status.UPLOADED
