from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("<int:notification_id>/read/", views.notification_read_view, name="read"),
    path("read-all/", views.notification_read_all_view, name="read_all"),
    path("preferences/", views.preferences_view, name="preferences"),
]
