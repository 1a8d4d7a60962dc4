"""A room's own pages: settings, members, invitations, leaving and deleting. Every one reads the room the same
way: a room this person may not read is a 404, exactly like one that does not exist."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from people.names import is_username
from realtime.requests import AuthedRequest
from rooms import actions, invitations, moderation, names
from rooms.errors import RoomRefused
from rooms.forms import (
    DeleteRoomForm,
    InvitationForm,
    MuteForm,
    NotifyForm,
    RoomSettingsForm,
    UsernameForm,
)
from rooms.models import Invitation, Membership, Mute, Room


def readable_room(request: AuthedRequest, slug: str) -> Room:
    room = Room.objects.filter(slug=slug).first() if names.is_listed_slug(slug) else None
    if room is None or room.kind == Room.Kind.DIRECT or not room.can_read(request.user):
        raise Http404("No such room.")
    return room


def refused(request: AuthedRequest, room: Room, refusal: RoomRefused) -> HttpResponse:
    context = {"room": room, "message": refusal.message}
    return render(request, "rooms/refused.html", context, status=refusal.status)


def admin_room(request: AuthedRequest, slug: str) -> Room:
    room = readable_room(request, slug)
    actions.check_admin(request.user, room)
    return room


def person(username: str) -> Any:
    found = get_user_model().objects.filter(username=username).first() if is_username(username) else None
    if found is None:
        raise Http404("No such person.")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def room_settings(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    initial = {
        "name": room.name,
        "topic": room.topic,
        "kind": room.kind,
        "locked": room.is_locked,
        "archived": room.is_archived,
    }
    form = RoomSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    try:
        actions.check_admin(request.user, room)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            actions.change_settings(
                request.user,
                room,
                name=data["name"],
                topic=data["topic"],
                kind=data["kind"],
                locked=data["locked"],
                archived=data["archived"],
            )
            return redirect(room.get_absolute_url())
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    status = 400 if form.errors else 200
    return render(request, "rooms/settings.html", {"room": room, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    form = DeleteRoomForm(request.POST if request.method == "POST" else None)
    try:
        actions.check_admin(request.user, room)
        if request.method == "POST" and form.is_valid():
            actions.delete_room_as(request.user, room)
            return redirect("rooms:index")
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    status = 400 if form.errors else 200
    return render(request, "rooms/delete.html", {"room": room, "form": form}, status=status)


def members_context(request: AuthedRequest, room: Room, **forms: Any) -> dict[str, Any]:
    is_admin = room.is_admin(request.user)
    mutes = dict(Mute.objects.filter(room=room, until__gt=timezone.now()).values_list("user_id", "until"))
    people = [
        (membership, mutes.get(membership.user_id))
        for membership in room.memberships.select_related("user").order_by("user__username")
    ]
    return {
        "room": room,
        "people": people,
        "is_admin": is_admin,
        "is_staff": request.user.is_staff and request.user.is_active,
        "add_form": forms.get("add_form") or UsernameForm(),
        "invitation_form": forms.get("invitation_form") or InvitationForm(),
        "mute_form": MuteForm(),
        "invitations": list(room.invitations.all()[:50]) if is_admin else [],
        "now": timezone.now(),
        "member": any(m.user_id == request.user.pk for m, _ in people),
    }


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthedRequest, slug: str) -> HttpResponse:
    """Who is in the room; its admins add people by username here."""
    room = readable_room(request, slug)
    form = UsernameForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            actions.check_admin(request.user, room)
            if form.is_valid():
                found = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
                if found is None:
                    form.add_error("username", "No such person.")
                else:
                    actions.add_member(request.user, room, found)
                    return redirect("room:members", room.slug)
        except RoomRefused as refusal:
            if refusal.status == 403:
                return refused(request, room, refusal)
            form.add_error("username", refusal.message)
    context = members_context(request, room, add_form=form if request.method == "POST" else None)
    return render(request, "rooms/members.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def remove_member(request: AuthedRequest, slug: str, username: str) -> HttpResponse:
    room = readable_room(request, slug)
    try:
        actions.remove_member_as(request.user, room, person(username))
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    return redirect("room:members", room.slug)


@login_required
@require_POST
def leave(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    actions.leave(request.user, room)
    return redirect("rooms:index")


@login_required
@require_POST
def notify(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    form = NotifyForm(request.POST)
    if not form.is_valid():
        return refused(request, room, RoomRefused("Choose every message, mentions only or nothing."))
    try:
        actions.set_notify(request.user, room, form.cleaned_data["notify"])
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    return redirect(room.get_absolute_url())


@login_required
@require_POST
def create_invitation(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    form = InvitationForm(request.POST)
    try:
        actions.check_admin(request.user, room)
        if form.is_valid():
            invitations.create(request.user, room, form.cleaned_data["days"], form.cleaned_data["max_uses"])
            return redirect(reverse("room:members", args=[room.slug]) + "#invitations")
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    context = members_context(request, room, invitation_form=form)
    return render(request, "rooms/members.html", context, status=400)


@login_required
@require_POST
def revoke_invitation(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    room = readable_room(request, slug)
    invitation = Invitation.objects.filter(pk=pk, room=room).first()
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        invitations.revoke(request.user, invitation)
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    return redirect(reverse("room:members", args=[room.slug]) + "#invitations")


@login_required
@require_POST
def mute(request: AuthedRequest, slug: str) -> HttpResponse:
    room = readable_room(request, slug)
    form = MuteForm(request.POST)
    try:
        moderation.check_staff(request.user)
        if not form.is_valid():
            raise RoomRefused("Choose how long to mute them for.")
        moderation.mute(
            request.user, room, person(form.cleaned_data["username"]), form.cleaned_data["minutes"]
        )
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    return redirect("room:members", room.slug)


@login_required
@require_POST
def unmute(request: AuthedRequest, slug: str, username: str) -> HttpResponse:
    room = readable_room(request, slug)
    try:
        moderation.unmute(request.user, room, person(username))
    except RoomRefused as refusal:
        return refused(request, room, refusal)
    return redirect("room:members", room.slug)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: AuthedRequest, token: str) -> HttpResponse:
    """An invitation link. GET shows what it is for and a button (it writes nothing); POST joins. Every way a
    link can fail gets one page, which never names the room."""
    invitation = invitations.find(token)
    if invitation is None:
        return render(request, "rooms/invitation_invalid.html", status=404)
    room = invitation.room
    if request.method == "POST":
        joined = invitations.accept(request.user, token)
        if joined is None:
            return render(request, "rooms/invitation_invalid.html", status=404)
        return redirect(joined.get_absolute_url())
    member = Membership.objects.filter(room=room, user=request.user).exists()
    return render(request, "rooms/invitation.html", {"room": room, "member": member})
