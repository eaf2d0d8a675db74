from django.urls import path

from . import views

app_name = "voices"

urlpatterns = [
    path("", views.voice_list_view, name="list"),
    path("new/", views.voice_new_view, name="new"),
    path("similar/", views.voice_similar_view, name="similar"),
    path("metrics/", views.voice_metrics_view, name="metrics"),
    path("categories/", views.category_settings_view, name="categories"),
    path("<int:voice_id>/", views.voice_detail_view, name="detail"),
]
