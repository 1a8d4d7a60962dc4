from __future__ import annotations

from django.urls import path

from rooms import views

app_name = "invite"

urlpatterns = [path("<str:token>/", views.join, name="join")]
