"""The public form's inputs written straight from their widget's context.

Django writes every input through a template: input.html including attrs.html, through
the template engine, for each input of each page. For the public page, which visitors
open by the hundred a second, that was an eighth of the page and send's CPU time
(bench/bench_form_submissions.py, profiled). The single-tag inputs are written here to
the same bytes Django's templates make (tests/webforms/test_public_inputs.py compares
them kind by kind); every other widget (a select, a text area) still goes through its
template.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# The widget templates that are exactly django/forms/widgets/input.html.
SINGLE_TAG = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "email",
        "hidden",
        "date",
        "datetime",
        "checkbox",
        "number",
        "url",
        "password",
    )
)


def _attributes(attrs: dict[str, Any]) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    written = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            written.append(f" {conditional_escape(name)}")
        else:
            written.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(written)


def single_tag(widget: dict[str, Any]) -> SafeString:
    """input.html for the widget context `widget`."""
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return mark_safe(  # noqa: S308 (every part is escaped above)
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attributes(widget["attrs"])}>'
    )


class PublicInputs(DjangoTemplates):
    """Django's form renderer, writing the single-tag inputs itself."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in SINGLE_TAG:
            return single_tag(context["widget"])
        return super().render(template_name, context, request)
