"""Account views Django does not ship as they are: sign up (open, by invitation or closed), the first run, a
throttled login, a logout that also closes its sockets, and deleting one's own account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import login as sign_in
from django.contrib.auth import logout as sign_out
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from people import signup_invitations
from presence import actions as presence_actions
from realtime.requests import AuthedRequest
from rooms import actions as room_actions
from site_config import actions
from site_config.forms import DeleteAccountForm, FirstRunForm, SignupForm
from site_config.throttle import throttle_posts

BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    """Django's login page, linking to sign-up only when it is open and to the first run while it is there."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {
            "signup_open": settings.CHAT_SIGNUP == "open",
            "first_run": actions.first_run_available(),
        }


class LogoutView(auth_views.LogoutView):
    """Django's logout, plus closing the sockets this session opened (its other tabs)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            presence_actions.end_session(session_key)
        return response


def landing() -> str:
    """Where a new account starts: #general, or the rooms when there is no open #general."""
    room = room_actions.welcome_room()
    return room.get_absolute_url() if room is not None else reverse("rooms:index")


@require_http_methods(["GET", "POST"])
@throttle_posts("signup", "CHAT_SIGNUPS_PER_HOUR")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("rooms:index")
    if settings.CHAT_SIGNUP != "open":
        # The page says so; a POST is refused outright (403), whatever it carries.
        status = 403 if request.method == "POST" else 200
        return render(
            request, "registration/signup_unavailable.html", {"policy": settings.CHAT_SIGNUP}, status=status
        )
    return signup_page(request, invitation=None)


@require_http_methods(["GET", "POST"])
@throttle_posts("signup", "CHAT_SIGNUPS_PER_HOUR")
def invited_signup(request: HttpRequest, token: str) -> HttpResponse:
    """Sign-up through a staff-made link. A guessed, expired, revoked or used-up link all get the same page
    and status, and create nothing."""
    if settings.CHAT_SIGNUP == "closed" or not signup_invitations.is_valid(token):
        return invalid_invitation(request)
    if request.user.is_authenticated:
        return redirect("rooms:index")
    return signup_page(request, invitation=token)


def invalid_invitation(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/invitation_invalid.html", status=404)


def signup_page(request: HttpRequest, invitation: str | None) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = actions.create_account(form, invitation)
        if user is None:  # the link's last use went to someone else meanwhile
            return invalid_invitation(request)
        sign_in(request, user, backend=BACKEND)
        return redirect(landing())
    context = {"form": form, "action": request.path, "invited": invitation is not None}
    return render(request, "registration/signup.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@throttle_posts("signup", "CHAT_SIGNUPS_PER_HOUR")
def first_run(request: HttpRequest) -> HttpResponse:
    """A fresh install's first administrator: there until a superuser exists (made here or by
    createsuperuser)."""
    if not actions.first_run_available():
        raise Http404("The administrator exists already.")
    form = FirstRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = actions.create_first_admin(form)
        if user is None:
            raise Http404("The administrator exists already.")
        sign_in(request, user, backend=BACKEND)
        return redirect(landing())
    return render(request, "registration/first_run.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@throttle_posts("login", "CHAT_LOGINS_PER_HOUR")
def delete_account(request: AuthedRequest) -> HttpResponse:
    """Asks for the password again: a session left open on a shared computer must not be enough."""
    form = DeleteAccountForm(request.user, request.POST if request.method == "POST" else None)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        try:
            actions.delete_account(request.user)
        except actions.LastAdministrator:
            refusal = "You are the only administrator: make someone else one (in the admin) first."
        else:
            sign_out(request)
            return render(request, "registration/account_deleted.html")
    status = 400 if form.errors or refusal else 200
    return render(
        request, "registration/delete_account.html", {"form": form, "refusal": refusal}, status=status
    )


# Per address, before the form: a flood of logins must not buy one password hash per request.
login = throttle_posts("login", "CHAT_LOGINS_PER_HOUR")(LoginView.as_view())
admin_login = throttle_posts("login", "CHAT_LOGINS_PER_HOUR")(admin.site.login)
