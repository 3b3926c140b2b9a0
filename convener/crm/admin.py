from typing import Any

from django import forms
from django.contrib import admin

from convener.crm.models import Contact, CustomField


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("email", "first_name", "last_name", "timezone", "owner")
    search_fields = ("email", "first_name", "last_name", "company")


class CustomFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    """The choices of a choice field, one per line, rather than as JSON."""

    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For a field of the kind “Choice”: one choice per line, in the order shown.",
    )

    class Meta:
        model = CustomField
        fields = ["label", "key", "kind", "help_text", "choices"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self) -> list[str]:
        lines = (self.cleaned_data.get("choices") or "").splitlines()
        return [line.strip() for line in lines if line.strip()]


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CustomFieldForm
    list_display = ("label", "key", "kind", "position")
