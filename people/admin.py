from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from people.models import AuditEntry

if TYPE_CHECKING:  # generic for django-stubs only
    AuditAdminBase = admin.ModelAdmin[AuditEntry]
else:
    AuditAdminBase = admin.ModelAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditAdminBase):
    """Read only: an audit log that staff could edit would prove nothing."""

    list_display = ["created_at", "actor_name", "action", "target_name", "detail"]
    list_filter = ["action"]
    search_fields = ["actor_name", "target_name", "detail"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
