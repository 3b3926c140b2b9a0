"""What an import does with each row: new contacts, updates found by address in any
letter case, empty cells that leave values alone, and every problem reported with its row
and column: bad addresses, unknown owners, zones that are not places, custom values of the
wrong type, duplicate addresses, rows with too many values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact, CustomField
from convener.team.members import permissions
from convener.team.models import User
from tests.imports.support import csv_bytes, report_rows, run, uploaded

pytestmark = pytest.mark.django_db

HEADER = ["Email", "First name", "Last name", "Company", "Owner", "Time zone"]
ALSO_ON = "This address is also on row {}; each address is imported from its first row only."


@pytest.fixture
def imported(signed_in: Client, django_capture_on_commit_callbacks: Any) -> Any:
    def do(rows: list[list[str]], mapping: list[str] | None = None, **options: Any) -> Any:
        job = uploaded(signed_in, csv_bytes(rows, **options))
        return run(django_capture_on_commit_callbacks, signed_in, job, mapping)

    return do


def problems(job: Any) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row, column, message in job.problems:
        found.setdefault(row, []).append(f"{column}: {message}")
    return found


def test_new_addresses_become_contacts_owned_by_the_importer_or_the_named_owner(
    imported: Any, member: Any
) -> None:
    colleague = User.objects.create_user("cleo", "Cleo@Example.com", "x")
    # Giving a contact to another member needs "edit others' contacts".
    member.user_permissions.add(*permissions(["team.edit_others_contacts"]))
    job = imported(
        [
            HEADER,
            ["ann@example.org", "Ann", "Lee", "Acme", "", "Europe/Paris"],
            ["dan@example.org", "Dan", "", "", "cleo@example.com", ""],
        ]
    )
    assert (job.status, job.created_contacts, job.skipped_rows) == ("done", 2, 0)
    ann = Contact.objects.get(email="ann@example.org")
    assert (ann.first_name, ann.last_name, ann.company, ann.timezone, ann.owner) == (
        "Ann",
        "Lee",
        "Acme",
        "Europe/Paris",
        member,
    )
    assert Contact.objects.get(email="dan@example.org").owner == colleague


def test_a_known_address_in_any_letter_case_updates_its_contact(
    imported: Any, contact: Any
) -> None:
    job = imported([HEADER, ["BOB@Example.ORG", "Robert", "", "Stone & Co", "", ""]])
    assert (job.created_contacts, job.updated_contacts) == (0, 1)
    contact.refresh_from_db()
    assert contact.email == "bob@example.org"  # the address is found, not rewritten
    assert contact.first_name == "Robert"
    assert contact.company == "Stone & Co"
    # Empty cells leave the contact's values as they were.
    assert (contact.last_name, contact.timezone) == ("Stone", "America/New_York")
    assert Contact.objects.count() == 1


def test_a_row_that_changes_nothing_is_counted_as_no_change(imported: Any, contact: Any) -> None:
    job = imported([HEADER, ["bob@example.org", "Bob", "Stone", "", "", "America/New_York"]])
    assert (job.updated_contacts, job.unchanged_contacts) == (0, 1)


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (["bob@", "Bob"], "Email", "“bob@” is not a valid email address."),
        (["", "Nobody"], "Email", "The email address is empty; every contact needs one."),
        (
            ["ann@example.org", "Ann", "", "", "ghost@example.com"],
            "Owner",
            "No team member has the address “ghost@example.com”.",
        ),
        (
            ["ann@example.org", "Ann", "", "", "", "EST"],
            "Time zone",
            "EST is an abbreviation, not a place; use a city zone such as America/New_York",
        ),
        (
            ["ann@example.org", "Ann", "", "", "", "europe/paris"],
            "Time zone",
            "europe/paris is not a time zone; did you mean Europe/Paris?",
        ),
        (
            ["ann@example.org", "Ann", "", "", "", "US/Eastern"],
            "Time zone",
            "US/Eastern is an old alias; use a city zone such as America/New_York.",
        ),
        (
            ["ann@example.org", "Ann", "", "", "", "Etc/UTC"],
            "Time zone",
            "Etc/UTC is another name of UTC; write UTC.",
        ),
        (
            ["ann@example.org", "Ann", "", "", "", "Mars/Olympus"],
            "Time zone",
            "Mars/Olympus is not a time zone; use an IANA name such as Europe/Berlin.",
        ),
        (
            ["ann@example.org", "Ann\nLee"],
            "First name",
            "The first name must be one line without control characters",
        ),
        (["ann@example.org", "A" * 101], "First name", "The first name is longer than 100"),
    ],
)
def test_a_row_with_a_bad_value_is_skipped_naming_the_column(
    imported: Any, cells: list[str], column: str, message: str
) -> None:
    job = imported([HEADER, cells + [""] * (len(HEADER) - len(cells))])
    assert (job.created_contacts, job.skipped_rows) == (0, 1)
    ((row, named, text),) = job.problems
    assert (row, named) == (2, column)
    assert text.startswith(message)
    assert not Contact.objects.exists()


def test_an_owner_address_two_members_share_is_refused(imported: Any) -> None:
    User.objects.create_user("x1", "sales@example.com", "x")
    User.objects.create_user("x2", "Sales@example.com", "x")
    job = imported([HEADER, ["ann@example.org", "", "", "", "sales@example.com", ""]])
    assert "2 team members have the address “sales@example.com”" in job.problems[0][2]


def test_an_address_repeated_in_the_file_is_imported_from_its_first_row_only(
    imported: Any,
) -> None:
    job = imported(
        [
            HEADER,
            ["ann@example.org", "Ann", "", "", "", ""],
            ["bob@example.org", "Bob", "", "", "", ""],
            ["ANN@example.org", "Annie", "", "", "", ""],
        ]
    )
    assert (job.created_contacts, job.skipped_rows) == (2, 1)
    assert Contact.objects.get(email="ann@example.org").first_name == "Ann"
    assert problems(job) == {4: [f"Email: {ALSO_ON.format(2)}"]}


def test_a_row_with_more_values_than_columns_is_skipped(imported: Any) -> None:
    job = imported([["Email", "Company"], ["ann@example.org", "Acme", " Inc"]])
    assert job.skipped_rows == 1
    assert problems(job)[2] == [
        ": This row has 3 values but the first row names 2 columns: a value that holds the "
        "delimiter must be in quotes."
    ]


def test_trailing_empty_values_and_blank_rows_are_not_problems(imported: Any) -> None:
    job = imported([["Email", "Company"], ["ann@example.org", "Acme", "", ""], [], ["", ""]])
    assert (job.created_contacts, job.skipped_rows, job.blank_rows) == (1, 0, 2)


def test_custom_fields_are_read_by_their_kind(imported: Any, contact: Any) -> None:
    CustomField.objects.create(key="seats", label="Seats", kind="number")
    CustomField.objects.create(key="renewal", label="Renewal", kind="date")
    CustomField.objects.create(key="vip", label="VIP", kind="boolean")
    CustomField.objects.create(key="notes", label="Notes", kind="text")
    CustomField.objects.create(key="plan", label="Plan", kind="choice", choices=["Basic", "Pro"])
    contact.fields = {"notes": "kept"}
    contact.save()
    job = imported(
        [
            ["Email", "Seats", "Renewal", "VIP", "Notes", "Plan"],
            ["ann@example.org", "12", "2027-03-01", "yes", "Met at the fair", "Pro"],
            ["bob@example.org", "", "", "no", "", ""],
            ["cleo@example.org", "twelve", "1/3/2027", "maybe", "", "Gold"],
        ]
    )
    ann = Contact.objects.get(email="ann@example.org")
    assert ann.fields == {
        "seats": 12,
        "renewal": "2027-03-01",
        "vip": True,
        "notes": "Met at the fair",
        "plan": "Pro",
    }
    contact.refresh_from_db()
    assert contact.fields == {"notes": "kept", "vip": False}
    assert problems(job)[4] == [
        "Seats: 'twelve' is not a number, like 12 or 3.5",
        "Renewal: '1/3/2027' is not a date, like 2026-12-03",
        "VIP: 'maybe' is not yes or no (true or false)",
        "Plan: 'Gold' is not one of Basic, Pro",
    ]


def test_the_report_has_every_row_with_its_outcome(
    imported: Any, signed_in: Client, contact: Any
) -> None:
    job = imported(
        [
            HEADER,
            ["ann@example.org", "Ann", "", "", "", ""],
            ["bob@example.org", "Robert", "", "", "", ""],
            ["bob@example.org", "Rob", "", "", "", ""],
            [],
            ["=HYPERLINK(1)", "", "", "", "", ""],
            ["bob@example.org", "Robert", "", "", "", ""],
        ]
    )
    assert report_rows(signed_in, job) == [
        {"row": "2", "email": "ann@example.org", "outcome": "created", "column": "", "reason": ""},
        {"row": "3", "email": "bob@example.org", "outcome": "updated", "column": "", "reason": ""},
        {
            "row": "4",
            "email": "bob@example.org",
            "outcome": "skipped",
            "column": "Email",
            "reason": ALSO_ON.format(3),
        },
        {
            "row": "6",
            "email": "'=HYPERLINK(1)",
            "outcome": "skipped",
            "column": "Email",
            "reason": "“=HYPERLINK(1)” is not a valid email address.",
        },
        {
            "row": "7",
            "email": "bob@example.org",
            "outcome": "skipped",
            "column": "Email",
            "reason": ALSO_ON.format(3),
        },
    ]


def test_an_address_added_by_someone_else_during_the_import_becomes_an_update(
    imported: Any, monkeypatch: Any, member: Any
) -> None:
    from convener.imports import run
    from convener.imports.decide import decide

    def decide_then_someone_adds_ann(*args: Any) -> Any:
        decisions = decide(*args)
        if not Contact.objects.with_email("ann@example.org").exists():
            # Between this chunk's decision and its write, a colleague saves Ann by hand.
            Contact.objects.create(email="Ann@Example.org", company="By hand", owner=member)
        return decisions

    monkeypatch.setattr(run, "decide", decide_then_someone_adds_ann)
    job = imported([["Email", "Company"], ["ann@example.org", "Acme"], ["bob@example.org", "B"]])
    assert (job.status, job.created_contacts, job.updated_contacts) == ("done", 1, 1)
    assert Contact.objects.get(email__iexact="ann@example.org").company == "Acme"
    assert Contact.objects.count() == 2
