from django.urls import path

from convener.imports import views

urlpatterns = [
    path("", views.contact_import, name="contact_import"),
    path("<int:pk>/", views.contact_import_detail, name="contact_import_detail"),
    path("<int:pk>/preview/", views.contact_import_preview, name="contact_import_preview"),
    path("<int:pk>/start/", views.contact_import_start, name="contact_import_start"),
    path("<int:pk>/delete/", views.contact_import_delete, name="contact_import_delete"),
    path("<int:pk>/report.csv", views.contact_import_report, name="contact_import_report"),
]
