"""Request types for views behind login_required (django-htmx's pattern for typed requests): every app's views
use them, so they live at the bottom."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
