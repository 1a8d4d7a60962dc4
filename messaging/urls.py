from __future__ import annotations

from django.urls import path, register_converter

from messaging import conversation_views, views


class MemberList:
    """A group conversation's address: usernames with at least one comma (usernames never contain one)."""

    regex = "[^/]*,[^/]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MemberList, "members")

app_name = "messaging"

urlpatterns = [
    path("", conversation_views.direct_list, name="direct_list"),
    path("<members:usernames>/", conversation_views.group, name="group"),
    path("<members:usernames>/messages/<int:pk>/", conversation_views.group_message, name="group_message"),
    path("<str:username>/", views.direct, name="direct"),
    path("<str:username>/messages/<int:pk>/", views.direct_message, name="message"),
]
