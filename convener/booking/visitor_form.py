"""The visitor's form on a booking page: name, email and the page's questions."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.booking.models import BookingPage


class VisitorForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(max_length=254, label="Your email")

    def __init__(self, page: BookingPage, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        for index, question in enumerate(page.questions):
            self.fields[f"q{index}"] = forms.CharField(
                label=question["label"],
                required=bool(question.get("required")),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for name, field in self.fields.items():
            field.widget.attrs.setdefault(
                "autocomplete", {"name": "name", "email": "email"}.get(name, "off")
            )

    def answers(self) -> list[tuple[str, str]]:
        return [
            (question["label"], str(self.cleaned_data.get(f"q{index}") or "").strip())
            for index, question in enumerate(self.page.questions)
        ]
