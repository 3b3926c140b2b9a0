from django.urls import path

from convener.hooks import endpoint, pages

urlpatterns = [
    path("hooks/in/<slug:slug>/", endpoint.hook_receive, name="hook_receive"),
    path("hooks/deliveries/<str:slug>/", endpoint.delivery_status, name="hook_delivery_status"),
    path("webhooks/", pages.hook_list, name="hooks"),
    path("webhooks/new/", pages.hook_edit, name="hook_new"),
    path("webhooks/<int:pk>/", pages.hook_deliveries, name="hook"),
    path("webhooks/<int:pk>/edit/", pages.hook_edit, name="hook_edit"),
    path("webhooks/<int:pk>/rotate/", pages.hook_rotate, name="hook_rotate"),
    path("webhooks/<int:pk>/enable/", pages.hook_enable, name="hook_enable"),
    path("webhooks/<int:pk>/delete/", pages.hook_delete, name="hook_delete"),
    path("webhooks/<int:pk>/try/", pages.hook_try, name="hook_try"),
]
