from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from site_config import accounts

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:index", permanent=False)),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("rooms/", include("rooms.urls")),
    path("dm/", include("messaging.urls")),
]
