from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator


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
        body: str = self.cleaned_data["body"]
        # Control characters (other than newline and tab) only come from broken or hostile clients.
        cleaned = "".join(ch for ch in body if ch in "\n\t" or unicodedata.category(ch) != "Cc")
        if not cleaned.strip():
            raise forms.ValidationError("Type a message first.", code="required")
        return cleaned
