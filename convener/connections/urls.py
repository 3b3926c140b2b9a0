from django.urls import path

from convener.connections import views

urlpatterns = [
    path("", views.connection_list, name="connections"),
    path("callback/", views.callback, name="connection_callback"),
    path("<slug:slug>/connect/", views.connect, name="connection_connect"),
    path("<slug:slug>/organization/", views.organization, name="connection_organization"),
    path("<int:pk>/remove/", views.remove, name="connection_remove"),
]
