from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from people import actions, avatars, custom_css, names, text
from people.forms import ConfirmForm, ProfileForm
from people.models import Profile
from people.names import profile_of
from realtime.requests import AuthedRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PEOPLE_PER_PAGE = 50
QUERY_MAX_LENGTH = 100
# Versioned URLs never change content, so a browser keeps each picture for a year; "private": login needed.
AVATAR_CACHE_CONTROL = "private, max-age=31536000, immutable"
# The custom stylesheet is public (the login page has it too); only its versioned URL may be kept for good.
CUSTOM_CSS_CACHE_CONTROL = "public, max-age=31536000, immutable"


def people_shown(viewer: User) -> QuerySet[User]:
    """Everyone, with their profile in the same query (the picture's bytes left out); staff also see the
    banned."""
    people = get_user_model().objects.select_related("profile").defer("profile__avatar")
    if not viewer.is_staff:
        people = people.filter(is_active=True)
    shown_name = Coalesce(NullIf(F("profile__display_name"), Value("")), F("username"))
    return people.annotate(sort_name=Lower(shown_name)).order_by("sort_name", "username")


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if len(query) > QUERY_MAX_LENGTH or text.refused_character(query) is not None:
        return HttpResponseBadRequest("That search cannot be run: at most 100 ordinary characters.")
    people = people_shown(request.user)
    if query:
        people = people.filter(Q(username__icontains=query) | Q(profile__display_name__icontains=query))
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "people/index.html", {"page": page, "query": query})


def person_or_404(username: str) -> User:
    if not names.is_username(username):
        raise Http404("No such person.")
    return get_object_or_404(
        get_user_model().objects.select_related("profile").defer("profile__avatar"), username=username
    )


@login_required
@require_GET
def profile(request: AuthedRequest, username: str) -> HttpResponse:
    person = person_or_404(username)
    if not person.is_active and not request.user.is_staff:
        raise Http404("No such person.")  # banned: gone from the list, and from here, for all but staff
    context = {
        "person": person,
        "profile": profile_of(person),
        "is_self": person.pk == request.user.pk,
        "may_ban": actions.may_ban(request.user, person) is None,
    }
    return render(request, "people/profile.html", context)


@login_required
@require_GET
def avatar(request: AuthedRequest, username: str, version: int) -> HttpResponse:
    if not names.is_username(username):
        raise Http404("No picture.")
    found = Profile.objects.filter(user__username=username, avatar_changed_at__isnull=False).first()
    if found is None or found.avatar is None or found.avatar_changed_at is None:
        raise Http404("No picture.")
    current = avatars.version_of(found.avatar_changed_at)
    if version != current:  # a page older than the picture: send it to the new one
        return redirect("people:avatar", username, current)
    response = HttpResponse(bytes(found.avatar), content_type=avatars.CONTENT_TYPE)
    response["Cache-Control"] = AVATAR_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@require_GET
def stylesheet(request: HttpRequest) -> HttpResponse:
    """Staff's custom CSS, only ever as text/css: whatever it holds (`</style>`, `<script>`) stays CSS. A URL
    without the current version (an old page, a hand-typed one) gets the current text, not to be cached."""
    current = custom_css.current()
    response = HttpResponse(current.css, content_type="text/css; charset=utf-8")
    if current.version and request.GET.get("v") == str(current.version):
        response["Cache-Control"] = CUSTOM_CSS_CACHE_CONTROL
    else:
        response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest) -> HttpResponse:
    """Only ever one's own profile: there is no user in the URL to change."""
    current = Profile.objects.filter(user=request.user).defer("avatar").first()
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            actions.update_profile(
                request.user,
                data["display_name"],
                data["bio"],
                data["avatar"],
                data.get("remove_avatar", False),
                theme=data["theme"],
            )
            return redirect("people:profile", request.user.get_username())
        status = 400
    else:
        form = ProfileForm.for_profile(current)
        status = 200
    if current is None or current.avatar_changed_at is None:
        form.fields.pop("remove_avatar", None)  # nothing to remove: initials only
    return render(request, "people/edit.html", {"form": form, "profile": current}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ban(request: AuthedRequest, username: str) -> HttpResponse:
    return set_banned(request, username, banned=True)


@login_required
@require_http_methods(["GET", "POST"])
def unban(request: AuthedRequest, username: str) -> HttpResponse:
    return set_banned(request, username, banned=False)


def set_banned(request: AuthedRequest, username: str, banned: bool) -> HttpResponse:
    """A confirmation page, then its POST with the box ticked; no JavaScript needed."""
    person = person_or_404(username)
    refusal = actions.may_ban(request.user, person)
    if refusal:
        raise PermissionDenied(refusal)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        (actions.ban if banned else actions.unban)(request.user, person)
        return redirect("people:profile", person.get_username())
    status = 400 if form.is_bound else 200
    context = {"person": person, "form": form, "banning": banned}
    return render(request, "people/ban.html", context, status=status)
