from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from people import avatars, text
from people.models import Profile


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=50, required=False, help_text="Shown instead of your username. Empty: your username."
    )
    bio = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    avatar = forms.FileField(
        required=False,
        help_text="JPEG, PNG, GIF or WebP, at most 2 MB. Cropped to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my picture")
    # Not required: a client that leaves it out keeps the current theme.
    theme = forms.ChoiceField(
        choices=Profile.Theme.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Follow the system: light or dark as your device is set.",
    )

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"]
        text.check(name)
        return name

    def clean_bio(self) -> str:
        bio: str = self.cleaned_data["bio"].replace("\r\n", "\n").replace("\r", "\n")
        text.check(bio, allow_newlines=True)
        return bio

    def clean_avatar(self) -> bytes | None:
        """The processed avatar's bytes: the upload itself is never kept."""
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return avatars.process(avatars.read_upload(upload))

    def clean_theme(self) -> str | None:
        theme: str = self.cleaned_data["theme"]
        return theme or None

    @classmethod
    def for_profile(cls, profile: Profile | None, **kwargs: Any) -> ProfileForm:
        initial = (
            {"display_name": profile.display_name, "bio": profile.bio, "theme": profile.theme}
            if profile
            else {"theme": Profile.Theme.SYSTEM}
        )
        return cls(initial=initial, **kwargs)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(required=True, label="Yes, I am sure")
