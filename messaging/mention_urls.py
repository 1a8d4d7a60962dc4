from __future__ import annotations

from django.urls import path

from messaging import views

app_name = "mentions"

urlpatterns = [path("", views.mentions, name="index")]
