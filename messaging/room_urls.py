from __future__ import annotations

from django.urls import path

from messaging import message_views
from messaging import room_views as views

app_name = "rooms"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/messages/<int:pk>/", message_views.permalink, name="message"),
    path("<slug:slug>/messages/<int:pk>/actions/", message_views.message_actions, name="actions"),
    path("<slug:slug>/messages/<int:pk>/edit/", message_views.edit, name="edit"),
    path("<slug:slug>/messages/<int:pk>/react/", message_views.react, name="react"),
    path("<slug:slug>/messages/<int:pk>/reply/", message_views.reply, name="reply"),
]
