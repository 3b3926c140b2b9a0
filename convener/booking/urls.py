from django.urls import path

from convener.booking.views import host, public

urlpatterns = [
    # Public: anonymous visitors (convener.booking.views.public). A booking's pages are
    # found by the signed token of its links (in `slug`, as every public address is).
    path("b/<slug:slug>/", public.booking_public, name="booking_public"),
    path("b/booked/<str:slug>/", public.booking_done, name="booking_done"),
    path("b/booked/<str:slug>/booking.ics", public.booking_ics, name="booking_ics"),
    path("b/manage/<str:slug>/", public.booking_manage, name="booking_manage"),
    # The hosts' pages.
    path("booking-pages/", host.page_list, name="booking_pages"),
    path("booking-pages/new/", host.page_edit, name="booking_page_new"),
    path("booking-pages/<int:pk>/", host.page_edit, name="booking_page_edit"),
    path("booking-pages/<int:pk>/delete/", host.page_delete, name="booking_page_delete"),
    path("booking-pages/<int:pk>/bookings/", host.page_bookings, name="booking_page_bookings"),
    path("booking-pages/bookings/<int:pk>/retry/", host.booking_retry, name="booking_retry"),
]
