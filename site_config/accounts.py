"""Account views Django does not ship as they are: sign up, a throttled login, and a logout that also closes
its sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import login as sign_in
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from presence import actions
from site_config.throttle import throttle_posts

if TYPE_CHECKING:  # generic for django-stubs only: Django's form takes no type arguments
    from django.contrib.auth.models import User

    SignupBase = UserCreationForm[User]
else:
    SignupBase = UserCreationForm


class SignupForm(SignupBase):
    """Django's form (which already refuses a name differing only in case from a taken one), plus ASCII only:
    no Cyrillic or Greek look-alike of someone else's name (an "alice" spelled with a Cyrillic "a")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(ASCIIUsernameValidator())
        username.help_text = "150 characters or fewer: letters a-z, digits and @ . + - _ only."


class LogoutView(auth_views.LogoutView):
    """Django's logout, plus closing the sockets this session opened (its other tabs)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        if session_key:
            actions.end_session(session_key)
        return response


@require_http_methods(["GET", "POST"])
@throttle_posts("signup", "CHAT_SIGNUPS_PER_HOUR")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("rooms:index")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        sign_in(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("rooms:index")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


# Per address, before the form: a flood of logins must not buy one password hash per request.
login = throttle_posts("login", "CHAT_LOGINS_PER_HOUR")(
    auth_views.LoginView.as_view(redirect_authenticated_user=True)
)
admin_login = throttle_posts("login", "CHAT_LOGINS_PER_HOUR")(admin.site.login)
