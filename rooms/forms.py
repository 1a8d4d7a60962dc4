from __future__ import annotations

from django import forms

from rooms.models import Room


class OpenRoomForm(forms.Form):
    name = forms.CharField(
        label="Room name",
        max_length=80,
        help_text="Letters, digits, spaces and dashes. An existing room opens; a new name creates the room.",
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        slug = Room.slug_for(name)
        if not slug:
            raise forms.ValidationError("Use at least one letter or digit in the name.")
        if slug.startswith("dm-"):
            raise forms.ValidationError("Names starting with “dm-” are reserved for direct messages.")
        return name

    @property
    def slug(self) -> str:
        return Room.slug_for(self.cleaned_data["name"])
