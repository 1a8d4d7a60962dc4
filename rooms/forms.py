from __future__ import annotations

from django import forms

from rooms import names
from rooms.models import Membership, Room


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


class RoomDetailsForm(forms.Form):
    """Name, topic and kind: creating a room and its settings page share them."""

    name = forms.CharField(
        label="Name", max_length=names.NAME_MAX_LENGTH, validators=[names.validate_room_name]
    )
    topic = forms.CharField(
        label="Topic",
        required=False,
        max_length=names.TOPIC_MAX_LENGTH,
        validators=[names.validate_topic],
        help_text="Optional: what the room is for, shown under its name.",
    )
    kind = forms.ChoiceField(
        label="Who can read it",
        choices=[
            (Room.Kind.OPEN, "Open: everyone signed in can find and join it"),
            (Room.Kind.PRIVATE, "Private: members only, added by an admin or by invitation link"),
        ],
        initial=Room.Kind.OPEN,
        widget=forms.RadioSelect,
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        names.validate_listed_name(name)
        return name

    def clean_topic(self) -> str:
        topic: str = self.cleaned_data["topic"]
        return " ".join(topic.split())


class RoomSettingsForm(RoomDetailsForm):
    locked = forms.BooleanField(
        label="Locked", required=False, help_text="History stays readable, nobody can post."
    )
    archived = forms.BooleanField(
        label="Archived",
        required=False,
        help_text="Read only and hidden from the room selector; still at its address and in search.",
    )


class UsernameForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip().removeprefix("@")
        if names.refused_characters(username):
            raise forms.ValidationError("No such person.")
        return username


class InvitationForm(forms.Form):
    days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=90, initial=7)
    max_uses = forms.IntegerField(
        label="Uses", min_value=1, max_value=10_000, required=False, help_text="Empty: any number."
    )


class MuteForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
    minutes = forms.TypedChoiceField(
        label="Mute for",
        coerce=int,
        choices=[(15, "15 minutes"), (60, "1 hour"), (60 * 24, "1 day"), (60 * 24 * 7, "1 week")],
    )


class NotifyForm(forms.Form):
    notify = forms.ChoiceField(label="Notify me about", choices=Membership.Notify.choices)


class DeleteRoomForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, delete this room and all of its messages for everyone")
