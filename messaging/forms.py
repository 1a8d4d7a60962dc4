from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator

from messaging import text


class MessageForm(forms.Form):
    """The one validation of a message body, whatever it arrived through (socket frame or form POST)."""

    body = forms.CharField(label="Message", strip=True, error_messages={"required": "Type a message first."})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.CHAT_MESSAGE_MAX_LENGTH
        field = self.fields["body"]
        field.validators.append(
            MaxLengthValidator(limit, message=f"Messages are limited to {limit:,} characters.")
        )
        field.widget.attrs.update({"maxlength": str(limit), "autocomplete": "off"})

    def clean_body(self) -> str:
        body = text.normalize(self.cleaned_data["body"])
        bad = text.unstorable(body)
        if bad is not None:
            raise forms.ValidationError(
                "This message contains a character that cannot be stored (U+%(code)04X).",
                code="unstorable",
                params={"code": ord(bad)},
            )
        if not text.has_visible(body):
            raise forms.ValidationError("Type a message first.", code="required")
        return body.strip()


class ReactionForm(forms.Form):
    """A reaction: one of the palette's emoji or a short text of the reactor's own (Campfire's boosts)."""

    reaction = forms.CharField(
        max_length=16,
        strip=True,
        error_messages={
            "required": "Choose a reaction first.",
            "max_length": "A reaction is at most %(limit_value)d characters.",
        },
    )

    def clean_reaction(self) -> str:
        value: str = self.cleaned_data["reaction"]
        if text.unstorable(value) is not None or text.normalize(value) != value or "\n" in value:
            raise forms.ValidationError("A reaction cannot contain control characters.", code="invalid")
        if "<" in value or ">" in value:
            raise forms.ValidationError("A reaction is plain text, without markup.", code="invalid")
        if not text.has_visible(value):
            raise forms.ValidationError("Choose a reaction first.", code="required")
        return value
