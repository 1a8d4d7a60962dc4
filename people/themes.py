"""Which colour theme a page is drawn in: the person's choice, stored in their profile, applied by the server
(`<html data-theme>` and `<meta name="color-scheme">`), so no script is involved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from people.models import Profile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# What the color-scheme meta says for each theme: form controls and scrollbars follow it.
COLOR_SCHEMES = {
    Profile.Theme.SYSTEM: "light dark",
    Profile.Theme.LIGHT: "light",
    Profile.Theme.DARK: "dark",
}


def theme_of(user: AbstractBaseUser | AnonymousUser) -> Profile.Theme:
    """At most one query, none when the user's profile was loaded already; the profile read (without its
    picture) stays cached on the user, so a page that names them afterwards pays nothing more."""
    if not user.is_authenticated:
        return Profile.Theme.SYSTEM
    # The cache `user.profile` reads and fills; a missing profile is cached too (as None).
    accessor = Profile.user.field.remote_field
    if not accessor.is_cached(user):
        accessor.set_cached_value(user, Profile.objects.filter(user_id=user.pk).defer("avatar").first())
    profile: Profile | None = accessor.get_cached_value(user)  # type: ignore[assignment]
    if profile is None or profile.theme not in Profile.Theme.values:
        return Profile.Theme.SYSTEM
    return Profile.Theme(profile.theme)
