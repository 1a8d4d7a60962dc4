from __future__ import annotations

from django.urls import path

from messaging import room_views as views

app_name = "rooms"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
]
