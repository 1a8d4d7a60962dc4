"""Staff's page of sign-up invitation links: make one (valid for some days, optionally for some uses), see
them, revoke one. Used when CHAT_SIGNUP=invite."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from people import signup_invitations
from people.models import SignupInvitation
from realtime.requests import AuthedRequest
from site_config.forms import InvitationForm

SHOWN = 100


def check_staff(request: AuthedRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff make invitation links.")


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    check_staff(request)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        signup_invitations.create(request.user, form.cleaned_data["days"], form.cleaned_data["max_uses"])
        return redirect("invitations")
    context = {
        "form": form,
        "invitations": SignupInvitation.objects.order_by("-created_at", "-pk")[:SHOWN],
        "valid_ids": set(signup_invitations.valid().values_list("pk", flat=True)[:SHOWN]),
        "now": timezone.now(),
        "policy": settings.CHAT_SIGNUP,
    }
    return render(request, "registration/invitations.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    check_staff(request)
    signup_invitations.revoke(pk)
    return redirect("invitations")
