from __future__ import annotations

from django import forms

from rooms import names
from rooms.models import Room


class OpenRoomForm(forms.Form):
    # The same rule as the model's field (its validator and max_length) and Room.clean: one rule everywhere.
    name = forms.CharField(
        label="Room name",
        max_length=names.NAME_MAX_LENGTH,
        validators=[names.validate_room_name],
        help_text="Letters, digits, spaces and dashes. An existing room opens; a new name creates the room.",
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        names.validate_listed_name(name)
        return name

    @property
    def slug(self) -> str:
        return Room.slug_for(self.cleaned_data["name"])
