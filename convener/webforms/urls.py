from django.urls import path

from convener.webforms.views import builder, public, submissions

urlpatterns = [
    # Public: anonymous, embeddable (convener.webforms.views.public).
    path("f/<slug:slug>/", public.form_public, name="webform_public"),
    path("f/<slug:slug>/done/", public.form_done, name="webform_done"),
    path("f/<slug:slug>/done/status/", public.form_done_status, name="webform_done_status"),
    # The builder and the submissions, for signed-in members.
    path("forms/", builder.form_list, name="webforms"),
    path("forms/new/", builder.form_edit, name="webform_new"),
    path("forms/<int:pk>/", builder.form_edit, name="webform_edit"),
    path("forms/<int:pk>/delete/", builder.form_delete, name="webform_delete"),
    path("forms/<int:pk>/fields/new/", builder.field_new, name="webform_field_new"),
    # A field's own pages: its id leads to its form.
    path("forms/fields/<int:pk>/", builder.field_edit, name="webform_field_edit"),
    path("forms/fields/<int:pk>/move/", builder.field_move, name="webform_field_move"),
    path("forms/fields/<int:pk>/delete/", builder.field_delete, name="webform_field_delete"),
    path("forms/<int:pk>/submissions/", submissions.submission_list, name="webform_submissions"),
    path(
        "forms/<int:pk>/submissions.csv",
        submissions.submission_csv,
        name="webform_submissions_csv",
    ),
]
