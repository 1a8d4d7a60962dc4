from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from messaging import actions
from messaging.models import Message, Revision

if TYPE_CHECKING:  # generic for django-stubs only: Django's ModelAdmin takes no type arguments
    AdminBase = admin.ModelAdmin[Message]
    RevisionInlineBase = admin.TabularInline[Revision, Message]
else:
    AdminBase = admin.ModelAdmin
    RevisionInlineBase = admin.TabularInline


class RevisionInline(RevisionInlineBase):
    """A message's earlier texts, oldest first (read only: history is not edited)."""

    model = Revision
    fields = ["body", "editor", "replaced_at"]
    readonly_fields = ["body", "editor", "replaced_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(AdminBase):
    list_display = ["short_body", "author", "room", "created_at", "deleted_at"]
    list_filter = ["room", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__username"]
    list_select_related = ["author", "room"]
    readonly_fields = ["room", "author", "reply_to", "body_html", "created_at", "edited_at", "deleted_at"]
    inlines = [RevisionInline]
    date_hierarchy = "created_at"

    @admin.display(description="message")
    def short_body(self, message: Message) -> str:
        return "(deleted)" if message.is_deleted else message.body[:80]

    # Deleting leaves a tombstone, through the action, so open pages and reconnecting clients drop it too.
    def delete_model(self, request: HttpRequest, obj: Message) -> None:
        actions.delete_message(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        for message in queryset.filter(deleted_at__isnull=True):
            actions.delete_message(message)
