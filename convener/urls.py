from django.contrib import admin
from django.urls import include, path

from convener.api.router import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("convener.segments.urls")),
    path("", include("convener.webforms.urls")),
    path("", include("convener.campaigns.urls")),
    path("", include("convener.workitems.urls")),
    path("", include("convener.calendar.urls")),
    path("", include("convener.booking.urls")),
    path("contacts/import/", include("convener.imports.urls")),
    path("", include("convener.hooks.urls")),
    path("", include("convener.web.urls")),
]
