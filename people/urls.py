from __future__ import annotations

from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("", views.index, name="index"),
    # No username in it: whoever is signed in edits their own (a person called "me" keeps /people/me/).
    path("me/edit/", views.edit, name="edit"),
    path("<str:username>/", views.profile, name="profile"),
    path("<str:username>/avatar/<int:version>/", views.avatar, name="avatar"),
    path("<str:username>/ban/", views.ban, name="ban"),
    path("<str:username>/unban/", views.unban, name="unban"),
]
