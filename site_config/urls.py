from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from people import views as people_views
from site_config import accounts, invitations
from site_config.throttle import throttle_posts

# A reset request sends a mail: throttled per address like sign-ups, so nobody floods an inbox through it.
password_reset = throttle_posts("password_reset", "CHAT_SIGNUPS_PER_HOUR")(
    auth_views.PasswordResetView.as_view()
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:index", permanent=False)),
    path("setup/", accounts.first_run, name="first_run"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/<str:token>/", accounts.invited_signup, name="invited_signup"),
    path("accounts/invitations/", invitations.index, name="invitations"),
    path("accounts/invitations/<int:pk>/revoke/", invitations.revoke, name="revoke_invitation"),
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/delete/", accounts.delete_account, name="delete_account"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", password_reset, name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("admin/login/", accounts.admin_login),  # the admin's own login view, throttled like the other
    path("admin/", admin.site.urls),
    path("rooms/", include("rooms.urls")),
    path("rooms/", include("messaging.room_urls")),
    path("invite/", include("rooms.invite_urls")),
    path("dm/", include("messaging.urls")),
    path("mentions/", include("messaging.mention_urls")),
    path("search/", include("messaging.search_urls")),
    path("people/", include("people.urls")),
    path("custom.css", people_views.stylesheet, name="custom_css"),
]
