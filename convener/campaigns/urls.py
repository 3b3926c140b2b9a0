from django.urls import path

from convener.campaigns.views import counts, deliveries, event_contacts, events, pages

urlpatterns = [
    path("campaigns/", pages.campaign_list, name="campaigns"),
    path("campaigns/new/", pages.campaign_edit, name="campaign_new"),
    path("campaigns/<int:pk>/", pages.campaign_builder, name="campaign"),
    path("campaigns/<int:pk>/counts/", counts.campaign_counts, name="campaign_counts"),
    path("campaigns/<int:pk>/settings/", pages.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/delete/", pages.campaign_delete, name="campaign_delete"),
    path("campaigns/<int:pk>/sources/new/", pages.source_new, name="campaign_source_new"),
    path("campaigns/sources/<int:pk>/delete/", pages.source_delete, name="campaign_source_delete"),
    path("campaigns/<int:pk>/events/new/", events.event_new, name="campaign_event_new"),
    path("campaigns/events/<int:pk>/", events.event_edit, name="campaign_event_edit"),
    path("campaigns/events/<int:pk>/delete/", events.event_delete, name="campaign_event_delete"),
    path(
        "campaigns/events/<int:pk>/contacts/",
        event_contacts.event_contacts,
        name="campaign_event_contacts",
    ),
    path(
        "campaigns/events/<int:pk>/deliveries/",
        deliveries.event_deliveries,
        name="campaign_event_deliveries",
    ),
    path(
        "campaigns/events/<int:pk>/contacts.csv",
        event_contacts.event_contacts_csv,
        name="campaign_event_contacts_csv",
    ),
]
