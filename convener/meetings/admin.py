from django.contrib import admin

from convener.meetings.models import InvitationTemplate, MeetingAction


@admin.register(InvitationTemplate)
class InvitationTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "updated_at")


@admin.register(MeetingAction)
class MeetingActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "provider", "credentials", "duration_minutes")
    list_filter = ("provider",)
