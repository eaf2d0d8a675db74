from django.urls import path

from . import views

app_name = "gateway"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("requests/", views.request_list_view, name="request_list"),
    path("requests/new/", views.request_new_view, name="request_new"),
    path("requests/preview/", views.request_preview_view, name="request_preview"),
    path("requests/<int:request_id>/", views.request_detail_view, name="request_detail"),
    path("requests/<int:request_id>/edit/", views.request_edit_view, name="request_edit"),
    path("requests/<int:request_id>/decide/", views.request_decide_view, name="request_decide"),
    path(
        "requests/<int:request_id>/reverify/",
        views.request_reverify_view,
        name="request_reverify",
    ),
    path(
        "requests/<int:request_id>/withdraw/",
        views.request_withdraw_view,
        name="request_withdraw",
    ),
    path("requests/<int:request_id>/close/", views.request_close_view, name="request_close"),
    path("requests/<int:request_id>/comments/", views.request_comment_view, name="request_comment"),
    path(
        "requests/<int:request_id>/attachments/",
        views.request_attach_view,
        name="request_attach",
    ),
    path(
        "requests/<int:request_id>/attachments/<int:attachment_id>/",
        views.attachment_download_view,
        name="attachment_download",
    ),
    path("review/", views.review_queue_view, name="review_queue"),
    path("catalog/", views.catalog_view, name="catalog"),
    path("catalog/adopt/", views.catalog_adopt_view, name="catalog_adopt"),
    path("policy/", views.policy_home_view, name="policy_home"),
    path("policy/<str:org_code>/", views.policy_view, name="policy"),
    path("versions/", views.version_list_view, name="version_list"),
    path("versions/train/", views.train_run_view, name="train_run"),
    path("versions/<int:number>/", views.version_detail_view, name="version_detail"),
    path("versions/<int:number>/rollback/", views.version_rollback_view, name="version_rollback"),
    path(
        "versions/<int:number>/artifacts/<path:artifact_path>",
        views.artifact_download_view,
        name="artifact_download",
    ),
    path("lead-times/", views.lead_times_view, name="lead_times"),
    path("recertification/", views.recertification_list_view, name="recertification"),
    path(
        "recertification/<int:recert_id>/",
        views.recertification_decide_view,
        name="recertification_decide",
    ),
]
