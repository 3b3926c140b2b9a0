"""The organization-credentials form, built from the provider's adapter."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.connections.adapters import Adapter


class OrganizationCredentialsForm(forms.Form):
    def __init__(self, adapter: Adapter, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.adapter = adapter
        for spec in adapter.org_fields:
            field: forms.Field
            if spec.upload:
                field = forms.FileField(label=spec.label, help_text=spec.help)
            elif spec.secret:
                field = forms.CharField(
                    label=spec.label, widget=forms.PasswordInput(render_value=False)
                )
            elif spec.name == "test_user":
                field = forms.EmailField(label=spec.label, help_text=spec.help)
            else:
                field = forms.CharField(label=spec.label, help_text=spec.help, max_length=300)
            self.fields[spec.name] = field

    def clean_service_account(self) -> dict[str, Any]:
        upload = self.cleaned_data["service_account"]
        try:
            key = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValidationError("this file is not a JSON key file") from None
        from convener.providers.google_meet.auth import validate_service_account_key

        try:
            validate_service_account_key(key)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return dict(key)
