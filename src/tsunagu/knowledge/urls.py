from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.forum_home_view, name="home"),
    path("projects/", views.project_list_view, name="projects"),
    path("projects/new/", views.project_new_view, name="project_new"),
    path("projects/<int:project_id>/", views.project_detail_view, name="project_detail"),
    path("projects/<int:project_id>/edit/", views.project_edit_view, name="project_edit"),
    path("projects/<int:project_id>/peers/", views.project_peers_view, name="project_peers"),
    path("projects/<int:project_id>/connect/", views.connect_new_view, name="connect_new"),
    path("connect/", views.connect_list_view, name="connect"),
    path("connect/<int:connect_id>/", views.connect_detail_view, name="connect_detail"),
    path("map/", views.topic_map_view, name="map"),
    path("meetings/", views.meeting_list_view, name="meetings"),
    path("meetings/new/", views.meeting_new_view, name="meeting_new"),
    path("meetings/<int:meeting_id>/", views.meeting_detail_view, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_edit_view, name="meeting_edit"),
    path("follow-ups/", views.follow_up_list_view, name="follow_ups"),
    path("follow-ups/<int:follow_up_id>/", views.follow_up_status_view, name="follow_up_status"),
    path("articles/", views.article_list_view, name="articles"),
    path("articles/new/", views.article_new_view, name="article_new"),
    path("articles/<int:article_id>/", views.article_detail_view, name="article_detail"),
    path("questions/", views.question_list_view, name="questions"),
    path("questions/new/", views.question_new_view, name="question_new"),
    path("questions/<int:question_id>/", views.question_detail_view, name="question_detail"),
]
