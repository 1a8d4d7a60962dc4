from __future__ import annotations

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.direct_list, name="direct_list"),
    path("<str:username>/", views.direct, name="direct"),
    path("<str:username>/messages/<int:pk>/", views.direct_message, name="message"),
]
