"""The public form writes its single-tag inputs itself (convener.webforms.public_inputs):
to the same bytes as Django's templates, for every kind of field, filled or not, with
values that need escaping, and marked in error."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from convener.webforms.models import FieldKind, FormField, WebForm
from convener.webforms.public_form import PublicForm
from convener.webforms.public_inputs import PublicInputs, single_tag

TRICKY = 'O\'Brien & <Sons> "quoted"'


def fields() -> list[FormField]:
    made = []
    for position, kind in enumerate(FieldKind):
        made.append(
            FormField(
                key=f"f_{kind.value}",
                label=f"{kind.label} <b>",
                kind=kind,
                required=position % 2 == 0,
                help_text="Say it & more",
                choices=["One", TRICKY] if kind == FieldKind.SELECT else [],
                default=TRICKY if kind == FieldKind.HIDDEN else "",
                target="email" if kind == FieldKind.EMAIL else "",
                position=position,
            )
        )
    return made


def written(form: PublicForm) -> list[str]:
    form.mark_errors()
    return [str(form[name]) for name in form.fields] + [
        str(form[name].label_tag()) for name in form.fields
    ]


SENT = {
    "cv_token": TRICKY,
    "cv_tz": "Europe/Paris",
    "f_text": TRICKY,
    "f_email": "not an address",
    "f_phone": "+33 1 23",
    "f_textarea": TRICKY,
    "f_select": TRICKY,
    "f_checkbox": "on",
    "f_date": "2026-02-30",
    "f_datetime": "2026-03-31T14:30",
    "f_hidden": TRICKY,
}


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({}, id="empty"),
        pytest.param({"initial": {"cv_token": TRICKY, "f_text": TRICKY}}, id="initial"),
        pytest.param({"data": SENT}, id="sent, with errors"),
        pytest.param({"data": {**SENT, "f_checkbox": ""}}, id="checkbox unticked"),
    ],
)
def test_the_inputs_are_the_bytes_djangos_templates_write(arguments: dict[str, Any]) -> None:
    web_form = WebForm(name="Demo", slug="demo")
    ours = PublicForm(web_form, fields(), **arguments)
    djangos = PublicForm(web_form, fields(), renderer=DjangoTemplates(), **arguments)
    assert isinstance(ours.renderer, PublicInputs)
    if "data" in arguments:
        ours.is_valid()
        djangos.is_valid()
    assert written(ours) == written(djangos)


def test_attributes_true_false_and_already_safe_values() -> None:
    widget = {
        "type": "text",
        "name": "a&b",
        "value": None,
        "attrs": {"required": True, "disabled": False, "data-x": mark_safe("<i>"), "size": 3},
    }
    django = DjangoTemplates().render("django/forms/widgets/input.html", {"widget": widget})
    assert single_tag(widget) == django
    assert single_tag(widget) == '<input type="text" name="a&amp;b" required data-x="<i>" size="3">'
