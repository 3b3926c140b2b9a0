from django.contrib import admin

from convener.crm.models import Contact, CustomField


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("email", "first_name", "last_name", "timezone", "owner")
    search_fields = ("email", "first_name", "last_name", "company")


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "key", "kind")
