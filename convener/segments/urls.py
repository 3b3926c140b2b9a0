from django.urls import path

from convener.segments.views import editor, members, pages, schedule, selection

urlpatterns = [
    path("segments/", pages.segment_list, name="segments"),
    path("segments/new/", editor.segment_edit, name="segment_new"),
    path("segments/count/", editor.count_preview, name="segment_count_preview"),
    path("segments/<int:pk>/", pages.segment_detail, name="segment"),
    # The contacts list's selection into and out of a static segment.
    path("contacts/add-to-segment/", selection.add_to_segment, name="contacts_add_to_segment"),
    path(
        "segments/<int:pk>/contacts/remove/",
        selection.remove_from_segment,
        name="segment_contacts_remove",
    ),
    path("segments/<int:pk>/edit/", editor.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", pages.segment_delete, name="segment_delete"),
    path("segments/<int:pk>/count/", pages.segment_count, name="segment_count"),
    path("segments/<int:pk>/schedule/", schedule.segment_schedule, name="segment_schedule"),
    path("segments/<int:pk>/members/search/", members.member_search, name="segment_search"),
    path("segments/<int:pk>/members/add/", members.members_add, name="segment_members_add"),
    path(
        "segments/<int:pk>/members/remove/", members.members_remove, name="segment_members_remove"
    ),
]
