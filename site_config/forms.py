"""The account forms Django does not ship: sign-up (with the e-mail rule), first run, deleting an account, and
staff's invitation links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.contrib.auth.validators import ASCIIUsernameValidator

from people.signup_invitations import MAX_DAYS

if TYPE_CHECKING:  # generic for django-stubs only: Django's form takes no type arguments
    SignupBase = UserCreationForm[User]
else:
    SignupBase = UserCreationForm


def email_domain_allowed(email: str, domains: list[str]) -> bool:
    """Exactly one of the domains, whatever the case: "evil-example.com" is not "example.com", and neither is
    "mail.example.com" (list it if it is wanted)."""
    _, at, domain = email.rpartition("@")
    return bool(at) and domain.lower().rstrip(".") in domains


class SignupForm(SignupBase):
    """Django's form (which already refuses a name differing only in case from a taken one), plus ASCII only:
    no Cyrillic or Greek look-alike of someone else's name (an "alice" spelled with a Cyrillic "a"). The
    e-mail address is optional (it lets a password be reset) unless CHAT_SIGNUP_EMAIL_DOMAINS asks for one."""

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(ASCIIUsernameValidator())
        username.help_text = "150 characters or fewer: letters a-z, digits and @ . + - _ only."
        email = self.fields["email"]
        domains = settings.CHAT_SIGNUP_EMAIL_DOMAINS
        email.required = bool(domains)
        email.label = "E-mail address"
        email.help_text = (
            f"An address at {' or '.join(domains)}."
            if domains
            else "Optional: lets you reset a forgotten password."
        )

    def clean_email(self) -> str:
        email: str = self.cleaned_data.get("email") or ""
        domains = settings.CHAT_SIGNUP_EMAIL_DOMAINS
        if domains and not email_domain_allowed(email, domains):
            raise forms.ValidationError(f"Sign-up needs an e-mail address at {' or '.join(domains)}.")
        return email


class FirstRunForm(SignupForm):
    """The first administrator: a sign-up form without the e-mail domain rule (whoever installs the chat
    decides it, and may be outside those domains)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        self.fields["email"].help_text = "Optional: lets you reset a forgotten password."

    def clean_email(self) -> str:
        return str(self.cleaned_data.get("email") or "")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class InvitationForm(forms.Form):
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=MAX_DAYS, initial=7)
    max_uses = forms.IntegerField(
        label="Uses", min_value=1, max_value=10_000, required=False, help_text="Empty: any number of people."
    )
