"""The organization-credentials form, built from the provider's organization grant."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.providers.recipe import CredentialField, OrganizationGrant

# The form's last field: a member's address the credentials are checked against.
CHECK_USER = "test_user"


def _input(spec: CredentialField) -> forms.Field:
    if spec.kind == "file":
        return forms.FileField(label=spec.label, help_text=spec.help)
    if spec.kind == "secret":
        return forms.CharField(label=spec.label, widget=forms.PasswordInput(render_value=False))
    return forms.CharField(label=spec.label, help_text=spec.help, max_length=300)


class OrganizationCredentialsForm(forms.Form):
    def __init__(self, grant: OrganizationGrant, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grant = grant
        for spec in grant.fields:
            self.fields[spec.name] = _input(spec)
        self.fields[CHECK_USER] = forms.EmailField(
            label=grant.check_user_label,
            help_text=(
                "Only to check the credentials now: Convener acts as this user once to "
                "prove they work. Meetings are still made for their own hosts, and "
                "entering the credentials again, with any user, repairs this account "
                "rather than adding one."
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for spec in self.grant.fields:
            if spec.read_file is None or spec.name not in data:
                continue
            try:
                data[spec.name] = spec.read_file(data[spec.name].read())
            except ValueError as exc:
                self.add_error(spec.name, str(exc))
        return data


class ConnectionSettingsForm(forms.Form):
    """An organization account's settings: the default host its meetings are made for
    when their own host has no user at the account."""

    default_host_email = forms.EmailField(
        label="Default host",
        required=False,
        max_length=254,
        help_text="The email address of a user at this account. A meeting is made for its "
        "host (the contact owner, or whoever scheduled it) when they have a user at the "
        "account, and for this user otherwise. Checked with the provider when you save.",
        error_messages={"invalid": "Enter an email address, such as host@example.com."},
    )
