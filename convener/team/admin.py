from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from convener.team.models import ApiToken, User


@admin.register(User)
class TeamUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Scheduling", {"fields": ("timezone",)}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
