from django.urls import path

from convener.workitems import webhook
from convener.workitems.views import configuration, feed, jobs

urlpatterns = [
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/new/", jobs.job_edit, name="job_new"),
    path("jobs/mine/", jobs.my_jobs, name="my_jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/edit/", jobs.job_edit, name="job_edit"),
    path("jobs/<int:pk>/move/", jobs.job_move, name="job_move"),
    path("jobs/<int:pk>/respond/", jobs.job_respond, name="job_respond"),
    path("jobs/<int:pk>/meeting/", jobs.job_meeting, name="job_meeting"),
    path("jobs/calendar/", feed.job_feed, name="job_feed"),
    path("jobs/calendar/change/", feed.job_feed_change, name="job_feed_change"),
    path("calendar/<slug:slug>/jobs.ics", feed.job_feed_ics, name="job_feed_ics"),
    path("virtual-meetings/", configuration.meeting_configuration, name="meeting_configuration"),
    path("virtual-meetings/provider/", configuration.choose_provider, name="meeting_provider"),
    path(
        "virtual-meetings/provider/remove/",
        configuration.remove_provider,
        name="meeting_provider_remove",
    ),
    path("virtual-meetings/automation/", configuration.save_automation, name="meeting_automation"),
    path("virtual-meetings/webhook/", configuration.renew_webhook, name="meeting_webhook"),
    path("hooks/jobs/<slug:slug>/", webhook.job_status_hook, name="job_status_hook"),
]
