from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from convener.web.actions_urls import urlpatterns as action_pages
from convener.web.views import (
    bulk_schedule,
    connections,
    contact_deletion,
    contacts,
    custom_fields,
    lifecycle,
    meetings,
    outbox,
    profile,
    team,
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contacts"), name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_edit, name="contact_new"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/schedule/", contacts.schedule_meeting, name="contact_schedule"),
    path("contacts/<int:pk>/delete/", contact_deletion.contact_delete, name="contact_delete"),
    path("contacts/delete/", contact_deletion.contacts_delete, name="contacts_delete"),
    path("contacts/schedule/", bulk_schedule.bulk_schedule, name="contacts_schedule"),
    path(
        "contacts/schedule/recipients/",
        bulk_schedule.recipients,
        name="contacts_schedule_recipients",
    ),
    path(
        "contacts/schedule/search/",
        bulk_schedule.find_recipients,
        name="contacts_schedule_search",
    ),
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    *lifecycle.urlpatterns,
    path("connections/", connections.connection_list, name="connections"),
    path("connections/callback/", connections.callback, name="connection_callback"),
    path("connections/<slug:slug>/connect/", connections.connect, name="connection_connect"),
    path(
        "connections/<slug:slug>/organization/",
        connections.organization,
        name="connection_organization",
    ),
    path("connections/<int:pk>/remove/", connections.remove, name="connection_remove"),
    path(
        "connections/<int:pk>/settings/",
        connections.connection_settings,
        name="connection_settings",
    ),
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/<int:pk>/", outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/body.html", outbox.outbox_html, name="outbox_html"),
    path("outbox/<int:pk>/invite.ics", outbox.outbox_ics, name="outbox_ics"),
    path("team/", team.team, name="team"),
    path("team/<int:pk>/", team.team_member, name="team_member"),
    path("custom-fields/", custom_fields.custom_field_list, name="custom_fields"),
    path("custom-fields/new/", custom_fields.custom_field_edit, name="custom_field_new"),
    path("custom-fields/<int:pk>/", custom_fields.custom_field_edit, name="custom_field_edit"),
    path("custom-fields/<int:pk>/move/", custom_fields.custom_field_move, name="custom_field_move"),
    path(
        "custom-fields/<int:pk>/delete/",
        custom_fields.custom_field_delete,
        name="custom_field_delete",
    ),
    *action_pages,
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.PasswordChange.as_view(), name="password_change"),
    path("profile/tokens/", profile.token_create, name="profile_token_new"),
    path("profile/tokens/<int:pk>/revoke/", profile.token_revoke, name="profile_token_revoke"),
    path("profile/timezone/", profile.zone_offer, name="profile_zone_offer"),
]
