from __future__ import annotations

from django.urls import path

from messaging import search_views

app_name = "search"

urlpatterns = [path("", search_views.results, name="results")]
