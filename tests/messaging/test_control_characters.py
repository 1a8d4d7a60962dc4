"""Control characters other than tab and newline are removed from a message; NUL is refused. No body here
contains NUL, on purpose: Django's CharField already refuses NUL, so a body containing one would be refused
even if our own rules were gone."""

from __future__ import annotations

import pytest

from messaging.forms import MessageForm
from messaging.models import Message
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        pytest.param("a\x01b\x1b", "ab", id="SOH and ESC"),
        pytest.param("red\x1b[31m text", "red[31m text", id="a terminal colour code"),
        pytest.param("del\x7fete", "delete", id="DEL"),
        pytest.param("c1\x85\x9bcontrols", "c1controls", id="C1 controls"),
        pytest.param("tab\tand\nnewline", "tab\tand\nnewline", id="tab and newline kept"),
    ],
)
def test_control_characters_are_removed_from_the_stored_text(body, stored):
    form = MessageForm({"body": body})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == stored


@pytest.mark.parametrize("body", ["\x01\x1b", "\x07", "\x01 \x1b\x7f"])
def test_control_characters_alone_are_refused_as_empty(body):
    form = MessageForm({"body": body})

    assert not form.is_valid()
    assert form.errors["body"] == ["Type a message first."]


def test_a_form_post_stores_the_text_without_its_control_characters(room, alice):
    response = login_client(alice).post("/rooms/general/", {"body": "a\x01b\x1b"})

    assert response.status_code in (200, 302, 303)
    assert list(Message.objects.values_list("body", flat=True)) == ["ab"]


def test_a_form_post_of_control_characters_only_stores_nothing(room, alice):
    response = login_client(alice).post("/rooms/general/", {"body": "\x01\x1b"})

    assert response.status_code == 400
    assert "Type a message first." in response.content.decode()
    assert not Message.objects.exists()
