"""Editing one's own profile: display name and bio rules, no other person's profile, no JavaScript needed."""

from __future__ import annotations

import pytest
from django.test import Client

from people.forms import ProfileForm
from people.models import Profile
from tests.conftest import login_client


def edit(client: Client, **fields: str):
    return client.post("/people/me/edit/", {"display_name": "", "bio": "", **fields})


def test_the_edit_page_is_a_plain_form_for_someone_without_a_profile_row(alice):
    response = login_client(alice).get("/people/me/edit/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="display_name"' in page
    assert 'name="bio"' in page
    assert 'name="avatar"' in page
    assert not Profile.objects.exists()  # a GET writes nothing


def test_saving_stores_the_stripped_name_and_bio_and_shows_the_profile(alice):
    response = edit(login_client(alice), display_name="  Alice Liddell  ", bio="Down the\r\nrabbit hole")

    assert response.status_code == 302
    assert response["Location"] == "/people/alice/"
    profile = Profile.objects.get(user=alice)
    assert (profile.display_name, profile.bio) == ("Alice Liddell", "Down the\nrabbit hole")
    page = login_client(alice).get("/people/alice/").content.decode()
    assert "Alice Liddell" in page
    assert "Down the<br>rabbit hole" in page


def test_an_empty_display_name_falls_back_to_the_username(alice):
    client = login_client(alice)
    edit(client, display_name="Alice")
    edit(client, display_name="   ")

    assert Profile.objects.get(user=alice).display_name == ""
    assert '<h1 id="profile-name" class="h3 m-0">alice</h1>' in client.get("/people/alice/").content.decode()


def test_the_form_is_prefilled_with_the_current_profile(alice):
    client = login_client(alice)
    edit(client, display_name="Alice L.", bio="Hello")

    page = client.get("/people/me/edit/").content.decode()

    assert 'value="Alice L."' in page
    assert "Hello</textarea>" in page


@pytest.mark.parametrize(
    "name",
    [
        "Ali\x00ce",
        "Ali\x07ce",
        "Ali\nce",
        "\u202eecila",  # right-to-left override: "alice" spelled backwards shows as "alice"
        "evil\u2066name",
        "non\ufffecharacter",
    ],
    ids=["nul", "bell", "newline", "rtl-override", "isolate", "noncharacter"],
)
def test_control_and_bidi_characters_in_a_display_name_are_a_form_error(alice, name):
    response = edit(login_client(alice), display_name=name)

    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not Profile.objects.exists()


def test_a_lone_surrogate_is_a_form_error():
    # HTTP cannot carry one (Django decodes with replacement); a form given one must still refuse it.
    form = ProfileForm({"display_name": "al\ud800ice", "bio": "b\udfffio"})

    assert not form.is_valid()
    assert set(form.errors) == {"display_name", "bio"}
    assert "U+D800" in form.errors["display_name"][0]


def test_a_bio_may_have_line_breaks_but_no_other_control_characters(alice):
    response = edit(login_client(alice), bio="line\x1b[31mred")

    assert response.status_code == 400
    assert not Profile.objects.exists()


def test_names_and_bios_over_their_limits_are_refused(alice):
    client = login_client(alice)

    assert edit(client, display_name="x" * 51).status_code == 400
    assert edit(client, bio="x" * 301).status_code == 400
    assert edit(client, display_name="x" * 50, bio="x" * 300).status_code == 302


def test_a_10_mb_bio_is_refused_without_a_500(alice):
    response = login_client(alice).post("/people/me/edit/", {"display_name": "", "bio": "x" * 10_000_000})

    assert response.status_code == 400
    assert not Profile.objects.exists()


def test_there_is_no_address_to_edit_someone_elses_profile(alice, bob):
    client = login_client(alice)

    for path in ("/people/bob/edit/", "/people/bob/me/edit/", f"/people/me/edit/?user={bob.pk}"):
        client.post(path, {"display_name": "hacked", "bio": "", "user": bob.pk, "username": "bob"})

    assert not Profile.objects.filter(user=bob).exists()
    assert Profile.objects.get(user=alice).display_name == "hacked"  # the one that exists edits alice's own


def test_editing_needs_a_signed_in_user(alice):
    response = Client().post("/people/me/edit/", {"display_name": "anon", "bio": ""})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Profile.objects.exists()


def test_a_get_with_form_fields_writes_nothing(alice):
    login_client(alice).get("/people/me/edit/", {"display_name": "via get"})

    assert not Profile.objects.exists()


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\ufeff", "\u00ad"])
def test_a_display_name_with_an_invisible_character_is_refused(alice, invisible):
    response = login_client(alice).post(
        "/people/me/edit/", {"display_name": f"bo{invisible}b", "theme": "system"}
    )

    assert response.status_code == 400
    assert "cannot be used here" in response.content.decode()
