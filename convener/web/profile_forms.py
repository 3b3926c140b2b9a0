"""The forms of a member's own profile: their details, a new API token, and the answer to
the offer of the browser's time zone."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.team.models import ApiToken, User
from convener.web.fields import timezone_field


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    """Name, email and time zone. The zone is a city zone (or UTC), as everywhere."""

    timezone = timezone_field(label="Time zone")

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "timezone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def save(self, commit: bool = True) -> User:
        # Choosing a zone here answers the browser's offer too.
        self.instance.timezone_chosen = True
        user: User = super().save(commit=commit)
        return user


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What uses it, e.g. “CRM sync”: you will recognise it in the list.",
        error_messages={"required": "Give the token a name."},
    )

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data["name"]).split())


class ZoneOfferForm(forms.Form):
    """The banner's answer: use the browser's zone, or keep the one set now."""

    USE, KEEP = "use", "keep"

    choice = forms.ChoiceField(choices=[(USE, "Use"), (KEEP, "Keep")])
    timezone = timezone_field(required=False, label="Browser time zone")
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == self.USE and not data.get("timezone") and not self.errors:
            self.add_error("timezone", "The browser did not say its time zone.")
        return data
