from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("organizations/", views.organization_list_view, name="organization_list"),
    path("organizations/<str:code>/", views.organization_detail_view, name="organization_detail"),
    path("organizations/<str:code>/edit/", views.organization_edit_view, name="organization_edit"),
    path(
        "organizations/<str:code>/mfa-policy/",
        views.organization_mfa_policy_view,
        name="organization_mfa_policy",
    ),
    path("audit/", views.audit_list_view, name="audit_list"),
    path("audit/verify/", views.audit_verify_view, name="audit_verify"),
    path("jobs/", views.job_list_view, name="job_list"),
    path("jobs/<int:job_id>/", views.job_detail_view, name="job_detail"),
    path("healthz", views.healthz_view, name="healthz"),
]
