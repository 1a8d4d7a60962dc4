from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from people import actions
from people.models import AuditEntry, CustomStyle

if TYPE_CHECKING:  # generic for django-stubs only
    AuditAdminBase = admin.ModelAdmin[AuditEntry]
    CustomStyleAdminBase = admin.ModelAdmin[CustomStyle]
else:
    AuditAdminBase = admin.ModelAdmin
    CustomStyleAdminBase = admin.ModelAdmin


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


@admin.register(CustomStyle)
class CustomStyleAdmin(CustomStyleAdminBase):
    """One stylesheet for the site (Django's change permission decides who edits it): no second row, and no
    deleting (emptying the text turns it off)."""

    fields = ["css", "updated_at"]
    readonly_fields = ["updated_at"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "css":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CustomStyle.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CustomStyle, form: Any, change: bool) -> None:
        actions.save_custom_style(obj)
