from django.urls import path

from convener.calendar.views import calendar, events

urlpatterns = [
    path("calendar/", calendar.week, name="calendar"),
    path("calendar/month/", calendar.month, name="calendar_month"),
    path("calendar/events/new/", events.event_edit, name="calendar_event_new"),
    path("calendar/events/<int:pk>/", events.event_detail, name="calendar_event"),
    path("calendar/events/<int:pk>/edit/", events.event_edit, name="calendar_event_edit"),
    path("calendar/events/<int:pk>/link/", events.event_link, name="calendar_event_link"),
    path("calendar/events/<int:pk>/delete/", events.event_delete, name="calendar_event_delete"),
]
