"""The moderation audit log: every moderation action calls `record` inside its own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from people.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def record(
    actor: User | None, action: AuditEntry.Action, target: User | None, detail: str = ""
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        target=target,
        target_name=target.get_username() if target is not None else "",
        detail=detail[:500],
    )
