"""Account writes: creating accounts (open, invited, the first administrator) and deleting one's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from messaging.models import Message
from people import signup_invitations

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from site_config.forms import SignupForm

# pg_advisory_xact_lock's key for "who becomes the first administrator" (any fixed number of ours).
FIRST_RUN_LOCK = 7_331_001


class LastAdministrator(Exception):
    """Deleting the only superuser would open /setup/ to anyone."""


def first_run_available() -> bool:
    return not get_user_model().objects.filter(is_superuser=True).exists()


def lock_administrators() -> None:
    """Serialise the check-then-write on superusers. SQLite needs nothing: its transactions start IMMEDIATE
    (settings), holding the write lock from the start. PostgreSQL takes a transaction-scoped advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FIRST_RUN_LOCK])


def create_account(form: SignupForm, invitation: str | None = None) -> User | None:
    """The account, or None when the invitation link stopped being valid (its last use went to someone else):
    the use is counted in the same transaction, so a failed sign-up does not spend it."""
    with transaction.atomic():
        if invitation is not None and not signup_invitations.use(invitation):
            return None
        return form.save()


def create_first_admin(form: SignupForm) -> User | None:
    """The first administrator, or None when one exists already (two people posting at once: one wins)."""
    with transaction.atomic():
        lock_administrators()
        if not first_run_available():
            return None
        user = form.save(commit=False)
        user.is_staff = user.is_superuser = True
        user.save()
    return user


def delete_account(user: User) -> None:
    """The account goes with its memberships, reactions, presence and sessions (presence/revocation.py closes
    its sockets); its messages stay, authorless ("Deleted user"). Messages it had reacted to are marked
    revised, so reconnecting pages drop those reactions (catch-up)."""
    with transaction.atomic():
        if user.is_superuser:
            lock_administrators()
            # A banned (inactive) administrator cannot sign in to administer: they do not count.
            others = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk)
            if not others.exists():
                raise LastAdministrator
        Message.objects.filter(reactions__user=user).update(revised_at=timezone.now())
        user.delete()
