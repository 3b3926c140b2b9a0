"""Rules as they are checked: the canonical document that is stored, the words a rule is
shown in, and the messages that name the rule at fault."""

from __future__ import annotations

from typing import Any

import pytest

from convener.segments.rules import CONDITIONS_MAX, GROUPS_MAX, RulesError, parse
from tests.segments.support import condition, renewal_field, rules

pytestmark = pytest.mark.django_db


def problems(document: Any) -> dict[str, list[str]]:
    with pytest.raises(RulesError) as caught:
        parse(document)
    return caught.value.message_dict()


def test_values_are_stored_in_one_form(db: Any) -> None:
    renewal_field()
    parsed = parse(
        rules(
            [
                condition("fields.renewal", "in_next_days", "30"),
                condition("created_at", "after", "2026-12-03T15:00:59"),
                condition("company", "is", "  Acme "),
                condition("upcoming_meeting", "no", "ignored"),
            ]
        )
    )
    assert parsed.document() == rules(
        [
            condition("fields.renewal", "in_next_days", 30),
            condition("created_at", "after", "2026-12-03T15:00"),
            condition("company", "is", "Acme"),
            condition("upcoming_meeting", "no"),
        ]
    )


def test_each_condition_reads_as_a_sentence(db: Any) -> None:
    renewal_field()
    parsed = parse(
        rules(
            [
                condition("fields.renewal", "in_next_days", 30),
                condition("company", "is_not", "Acme"),
                condition("created_at", "on", "2026-12-03"),
                condition("owner", "is_empty"),
                condition("upcoming_meeting", "yes"),
            ]
        )
    )
    assert [c.phrase() for c in parsed.groups[0]] == [
        "Renewal is within the next 30 days",
        "Company is not “Acme”",
        "Created is on 2026-12-03",
        "Owner is nobody",
        "Has an upcoming meeting",
    ]


@pytest.mark.parametrize(
    ("document", "where", "message"),
    [
        (None, "rules.groups", 'The rules are {"groups": [{"conditions": [...]}, ...]}.'),
        ({"groups": []}, "rules.groups", "Add at least one condition."),
        (rules([]), "rules.groups.0.conditions", "Group 1 has no condition: add one."),
        (
            rules([condition("seats", "gt", 3)]),
            "rules.groups.0.conditions.0.field",
            "Group 1, condition 1: there is no field “seats”; use one of name, email, company, "
            "owner, timezone, created_at, upcoming_meeting, or fields.<key> for a custom field.",
        ),
        (
            rules([condition("email", "gt", 3)]),
            "rules.groups.0.conditions.0.operator",
            "Group 1, condition 1 (Email): “gt” is not an operator for a text; use one of is, "
            "is_not, contains, not_contains, starts_with, is_empty, is_not_empty.",
        ),
        (
            rules([condition("created_at", "on", "2026-02-30")]),
            "rules.groups.0.conditions.0.value",
            "Group 1, condition 1 (Created is on): “2026-02-30” is not a date; write it like "
            "2026-12-03.",
        ),
        (
            rules([condition("created_at", "on", "2026-12-03T10:00")]),
            "rules.groups.0.conditions.0.value",
            "Group 1, condition 1 (Created is on): “2026-12-03T10:00” is not a date; write it "
            "like 2026-12-03.",
        ),
        (
            rules([condition("created_at", "before", "0900-01-01")]),
            "rules.groups.0.conditions.0.value",
            "Group 1, condition 1 (Created is before): give a date in the years 1000 to 9998, "
            "not 0900-01-01.",
        ),
        (
            rules([condition("created_at", "in_last_days", 4000)]),
            "rules.groups.0.conditions.0.value",
            "Group 1, condition 1 (Created is within the last … days): give a number of days "
            "from 0 to 3650, not 4000.",
        ),
        (
            rules([condition("company", "is", "A\nB")]),
            "rules.groups.0.conditions.0.value",
            "Group 1, condition 1 (Company is): the value must be one line without control "
            "characters; it contains a line break.",
        ),
        (
            rules([{"field": "company"}, "company is Acme"]),
            "rules.groups.0.conditions.0.operator",
            "Group 1, condition 1 (Company): choose an operator; use one of is, is_not",
        ),
    ],
)
def test_a_bad_rule_is_named(db: Any, document: Any, where: str, message: str) -> None:
    found = problems(document)
    assert where in found, found
    assert found[where][0].startswith(message), found[where][0]


def test_a_condition_that_is_not_an_object_is_named(db: Any) -> None:
    found = problems(rules([condition("company", "is", "Acme"), "company is Acme"]))
    assert found == {
        "rules.groups.0.conditions.1": [
            "Group 1, condition 2: a condition is an object with field, operator and value."
        ]
    }


def test_numbers_must_be_numbers(db: Any) -> None:
    from convener.crm.models import CustomField

    CustomField.objects.create(key="seats", label="Seats", kind="number")
    found = problems(
        rules([condition("fields.seats", "gt", "many"), condition("fields.seats", "lt", True)])
    )
    assert found["rules.groups.0.conditions.0.value"] == [
        "Group 1, condition 1 (Seats >): “many” is not a number; write it like 42 or 3.5."
    ]
    assert found["rules.groups.0.conditions.1.value"] == [
        "Group 1, condition 2 (Seats <): True is not a number."
    ]


def test_the_size_of_the_rules_is_bounded(db: Any) -> None:
    many = [condition("company", "is", "Acme")] * (CONDITIONS_MAX + 1)
    assert "rules.groups.0.conditions" in problems(rules(many))
    groups = [[condition("company", "is", "Acme")]] * (GROUPS_MAX + 1)
    assert problems(rules(*groups))["rules.groups"] == [f"At most {GROUPS_MAX} groups."]
