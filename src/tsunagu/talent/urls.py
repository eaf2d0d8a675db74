from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.talent_home_view, name="home"),
    path("experts/", views.expert_list_view, name="experts"),
    path("experts/<int:expert_id>/", views.expert_detail_view, name="expert_detail"),
    path("requests/", views.request_list_view, name="requests"),
    path("requests/new/", views.request_new_view, name="request_new"),
    path("requests/suggest/", views.request_suggest_view, name="request_suggest"),
    path("requests/<int:support_id>/", views.request_detail_view, name="request_detail"),
    path("matching/", views.matching_view, name="matching"),
    path("matching/<int:run_id>/", views.run_detail_view, name="run_detail"),
    path("offers/", views.offers_view, name="offers"),
    path("visits/<int:visit_id>/", views.visit_detail_view, name="visit_detail"),
    path("knowledge/", views.knowledge_view, name="knowledge"),
    path("statements/", views.statements_view, name="statements"),
    path("statements/<str:code>/<str:month>.csv", views.statement_csv_view, name="statement_csv"),
    path("statements/<str:code>/<str:month>.pdf", views.statement_pdf_view, name="statement_pdf"),
    path(
        "statements/exports/<int:export_id>/",
        views.statement_export_view,
        name="statement_export",
    ),
    path("leaders/", views.leaders_view, name="leaders"),
]
