from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from site_config import accounts

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:index", permanent=False)),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("admin/login/", accounts.admin_login),  # the admin's own login view, throttled like the other
    path("admin/", admin.site.urls),
    path("rooms/", include("rooms.urls")),
    path("rooms/", include("messaging.room_urls")),
    path("invite/", include("rooms.invite_urls")),
    path("dm/", include("messaging.urls")),
    path("mentions/", include("messaging.mention_urls")),
    path("search/", include("messaging.search_urls")),
    path("people/", include("people.urls")),
]
