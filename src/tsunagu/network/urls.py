from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("", views.network_home_view, name="home"),
    path("peers/", views.network_peers_view, name="peers"),
    path("rules/", views.network_rules_view, name="rules"),
    path("reports/<int:report_id>/", views.network_report_status_view, name="report_status"),
    path(
        "reports/<int:report_id>/download/",
        views.network_report_download_view,
        name="report_download",
    ),
    path("<str:code>/", views.network_detail_view, name="detail"),
    path("<str:code>/edit/", views.network_edit_view, name="edit"),
    path("<str:code>/contact/", views.network_contact_view, name="contact"),
    path("<str:code>/what-if/", views.network_whatif_view, name="whatif"),
    path("<str:code>/diagram.svg", views.network_diagram_view, name="diagram"),
    path("<str:code>/report/", views.network_report_view, name="report"),
    path("<str:code>/report/pdf/", views.network_report_request_view, name="report_pdf"),
]
