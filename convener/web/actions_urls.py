"""The pages of reusable actions, their launches and runs."""

from django.urls import path

from convener.web.views import actions, launch, runs

urlpatterns = [
    path("actions/", actions.action_list, name="actions"),
    path("actions/new/", actions.action_new, name="action_new"),
    path("actions/<int:pk>/", actions.action_detail, name="action"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action_edit"),
    path("actions/<int:pk>/duplicate/", actions.action_duplicate, name="action_duplicate"),
    path("actions/<int:pk>/launch/", launch.launch, name="action_launch"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/<int:pk>/", runs.run_detail, name="run"),
    path("runs/<int:pk>/retry/", runs.run_retry, name="run_retry"),
    path("runs/<int:pk>/cancel/", runs.run_cancel, name="run_cancel"),
]
