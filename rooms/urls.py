from __future__ import annotations

from django.urls import path

from rooms import views

app_name = "room"

urlpatterns = [
    path("<slug:slug>/settings/", views.room_settings, name="settings"),
    path("<slug:slug>/delete/", views.delete, name="delete"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<str:username>/remove/", views.remove_member, name="remove_member"),
    path("<slug:slug>/members/<str:username>/unmute/", views.unmute, name="unmute"),
    path("<slug:slug>/mute/", views.mute, name="mute"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/notify/", views.notify, name="notify"),
    path("<slug:slug>/invitations/", views.create_invitation, name="invitations"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
]
