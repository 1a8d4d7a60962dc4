"""Whoever loses their account's access loses their sockets at once, on every process.

Receivers of the User model's own signals, since access is taken away in many places (the admin's Active box
or delete button, `changepassword`, a password reset, the shell): deactivating, deleting or changing the
password of a user closes all of their sockets (4401). HTTP needs nothing more: Django refuses an inactive
user's session and a session made with an old password. Sends and syncs re-check `is_active` too, so a
process that missed the broadcast still refuses them. A queryset `.update(is_active=False)` sends no signal:
only those re-checks apply then.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from presence import broadcasts


def note_lost_access(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or (
        update_fields is not None and not {"is_active", "password"} & set(update_fields)
    ):
        return  # a new user, or a save of other fields (every login saves last_login)
    before = sender.objects.filter(pk=instance.pk).values("is_active", "password").first()
    instance._access_lost = before is not None and (
        (before["is_active"] and not instance.is_active) or before["password"] != instance.password
    )


def revoke_after_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if getattr(instance, "_access_lost", False):
        instance._access_lost = False
        revoke(instance.pk, end_sessions=not instance.is_active)


def revoke_after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    revoke(instance.pk, end_sessions=True)


def revoke(user_id: int, end_sessions: bool) -> None:
    if end_sessions:
        # Otherwise reactivating the account would bring its old sessions back to life.
        delete_sessions_of(user_id)
    transaction.on_commit(lambda: broadcasts.user_revoked(user_id), robust=True)


def delete_sessions_of(user_id: int) -> None:
    """Sessions are not indexed by user: decoded one by one (a rare admin action on a team's sessions)."""
    stale = [
        session.pk
        for session in Session.objects.iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    Session.objects.filter(pk__in=stale).delete()


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(note_lost_access, sender=user_model, dispatch_uid="revocation-pre-save")
    post_save.connect(revoke_after_save, sender=user_model, dispatch_uid="revocation-post-save")
    post_delete.connect(revoke_after_delete, sender=user_model, dispatch_uid="revocation-post-delete")
