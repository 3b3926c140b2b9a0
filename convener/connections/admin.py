from django.contrib import admin

from convener.connections.models import Connection


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("provider", "level", "account_email", "user", "status")
    # Credentials are never shown, not even encrypted.
    exclude = ("secret_blob",)
    readonly_fields = ("access_expires_at", "problems")
