from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest

from rooms import actions
from rooms.models import Membership, Mute, Room, count_of

if TYPE_CHECKING:  # generic for django-stubs only: Django's admin classes take no type arguments
    InlineBase = admin.TabularInline[Membership, Room]
    AdminBase = admin.ModelAdmin[Room]
    MuteAdminBase = admin.ModelAdmin[Mute]
else:
    InlineBase = admin.TabularInline
    AdminBase = admin.ModelAdmin
    MuteAdminBase = admin.ModelAdmin


class MembershipInline(InlineBase):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    # The member's own choice, not the admin's.
    readonly_fields = ["joined_at", "last_read_id", "notify"]


@admin.register(Room)
class RoomAdmin(AdminBase):
    list_display = [
        "name",
        "slug",
        "kind",
        "is_locked",
        "is_archived",
        "message_count",
        "member_count",
        "created_at",
    ]
    list_filter = ["kind", "is_locked", "is_archived"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "created_by"]
    inlines = [MembershipInline]
    actions = ["lock_rooms", "unlock_rooms"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Room]:
        rooms: QuerySet[Room] = (
            super()
            .get_queryset(request)
            .annotate(
                # Subqueries, not two joins: joined, a room's messages x members rows would be counted.
                # Through the reverse relation: rooms has messages without importing the app that stores them.
                message_total=count_of(
                    Room._meta.get_field("messages").related_model._default_manager.filter(
                        room=OuterRef("pk")
                    )
                ),
                member_total=count_of(Membership.objects.filter(room=OuterRef("pk"))),
            )
        )
        return rooms

    @admin.display(description="messages", ordering="message_total")
    def message_count(self, room: Room) -> int:
        total: int = room.message_total  # type: ignore[attr-defined]
        return total

    @admin.display(description="members", ordering="member_total")
    def member_count(self, room: Room) -> int:
        total: int = room.member_total  # type: ignore[attr-defined]
        return total

    def save_model(self, request: HttpRequest, obj: Room, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Through the action, so people in the room see a rename or a lock at once.
        if change and {"name", "topic", "is_locked", "is_archived"} & set(form.changed_data):
            actions.room_updated(obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        memberships = formset.save(commit=False)
        for membership in memberships:
            membership.save()
        # Removed members lose the room's open sockets at once, through the action.
        for membership in formset.deleted_objects:
            actions.remove_member(membership)

    def delete_model(self, request: HttpRequest, obj: Room) -> None:
        actions.delete_room(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        for room in queryset:
            actions.delete_room(room)

    @admin.action(description="Lock selected rooms (nobody can post)")
    def lock_rooms(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        for room in queryset:
            actions.set_room_locked(room, True)

    @admin.action(description="Unlock selected rooms")
    def unlock_rooms(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        for room in queryset:
            actions.set_room_locked(room, False)


@admin.register(Mute)
class MuteAdmin(MuteAdminBase):
    list_display = ["user", "room", "until", "created_by", "created_at"]
    list_select_related = ["user", "room", "created_by"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["user", "room"]
