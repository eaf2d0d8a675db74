from django.urls import path

from . import views

app_name = "consortium"

G = "<str:group_slug>/"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("overview/", views.overview_view, name="overview"),
    path("waiting/", views.waiting_view, name="waiting"),
    path(G, views.group_view, name="group"),
    path(G + "members/<str:code>/cut-over/", views.cut_over_view, name="cut_over"),
    path(G + "wg/<int:wg_no>/", views.wg_view, name="wg"),
    path(G + "items/", views.item_list_view, name="items"),
    path(G + "items/new/", views.item_new_view, name="item_new"),
    path(G + "items/import/", views.item_import_view, name="item_import"),
    path(G + "items/template.csv", views.import_template_view, name="import_template"),
    path(G + "items/export.csv", views.item_export_view, name="item_export"),
    path(G + "items/<int:item_no>/", views.item_detail_view, name="item"),
    path(G + "items/<int:item_no>/edit/", views.item_edit_view, name="item_edit"),
    path(G + "meetings/new/", views.meeting_new_view, name="meeting_new"),
    path(G + "meetings/<int:wg_meeting_id>/", views.meeting_view, name="meeting"),
    path(G + "actions/<int:action_id>/done/", views.action_done_view, name="action_done"),
    path(G + "onboarding/", views.onboarding_pick_view, name="onboarding_pick"),
    path(G + "onboarding/<str:code>/", views.onboarding_view, name="onboarding"),
    path(G + "progress/", views.progress_view, name="progress"),
    path(G + "progress.csv", views.progress_csv_view, name="progress_csv"),
    path(G + "progress/<str:code>/<str:area_code>/", views.checklist_view, name="checklist"),
]
