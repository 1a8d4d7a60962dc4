"""/people/ and /people/<username>/: who is here, found by name, each with their own page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from people.models import Profile
from tests.conftest import login_client

ENTRY_NAME = re.compile(r'<a class="stretched-link fw-semibold" href="/people/([^/]+)/">([^<]*)</a>')


def listed(client: Client, **params: str) -> list[tuple[str, str]]:
    response = client.get("/people/", params)
    assert response.status_code == 200
    return ENTRY_NAME.findall(response.content.decode())


def name(user, display_name: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"display_name": display_name})


def test_everyone_is_listed_alphabetically_by_the_name_they_show(alice, bob, carol, make_user):
    name(carol, "Aaron")  # shown as Aaron: first, though carol comes last by username
    name(bob, "zed")
    make_user("Beth")

    assert listed(login_client(alice)) == [
        ("carol", "Aaron"),
        ("alice", "alice"),
        ("Beth", "Beth"),
        ("bob", "zed"),
    ]


def test_the_search_matches_username_or_display_name_in_any_case(alice, bob, carol):
    name(carol, "Lewis Carroll")
    client = login_client(alice)

    assert listed(client, q="CARR") == [("carol", "Lewis Carroll")]
    assert listed(client, q="bO") == [("bob", "bob")]
    assert listed(client, q="nobody") == []


@pytest.mark.parametrize(
    "query",
    ["x" * 10_000, "a\x00b", "a\x1bb", "\u202e", "%00"],
    ids=["huge", "nul", "escape", "rtl-override", "percent"],
)
def test_a_hostile_search_is_refused_or_finds_nothing_never_a_500(alice, query):
    response = login_client(alice).get("/people/", {"q": query})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert ENTRY_NAME.findall(response.content.decode()) == []


def test_the_list_is_paged_by_50_with_plain_links(alice, make_user):
    for number in range(60):
        make_user(f"user{number:02d}")
    client = login_client(alice)

    first = client.get("/people/").content.decode()
    second = client.get("/people/", {"page": "2"}).content.decode()

    assert len(ENTRY_NAME.findall(first)) == 50
    assert len(ENTRY_NAME.findall(second)) == 11
    assert 'href="?page=2"' in first
    assert client.get("/people/", {"page": "999999999999999999999"}).status_code == 200
    assert client.get("/people/", {"page": "-1; drop"}).status_code == 200


def test_the_search_is_kept_in_the_page_links(alice, make_user):
    for number in range(55):
        make_user(f"match{number:02d}")

    page = login_client(alice).get("/people/", {"q": "match"}).content.decode()

    assert 'href="?q=match&amp;page=2"' in page


def test_a_profile_shows_name_handle_bio_joined_date_and_a_message_button(alice, bob):
    Profile.objects.create(user=bob, display_name="Bob B.", bio="Builds things")

    page = login_client(alice).get("/people/bob/").content.decode()

    assert "Bob B." in page
    assert "@bob" in page
    assert "Builds things" in page
    assert "Joined" in page
    assert 'href="/dm/bob/">Message</a>' in page
    assert "Edit profile" not in page


def test_ones_own_profile_offers_edit_instead_of_message(alice):
    page = login_client(alice).get("/people/alice/").content.decode()

    assert 'href="/people/me/edit/">Edit profile</a>' in page
    assert "/dm/alice/" not in page


def test_an_unknown_person_is_a_404(alice):
    client = login_client(alice)

    assert client.get("/people/nobody/").status_code == 404
    assert client.get("/people/" + "x" * 5000 + "/").status_code == 404


def test_the_people_pages_need_a_signed_in_user(alice):
    for path in ("/people/", "/people/alice/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_hostile_names_and_bios_are_shown_escaped(alice, bob):
    Profile.objects.create(
        user=bob,
        display_name="<script>alert(1)</script>",
        bio='<img src=x onerror=alert(1)> <a hx-get="/people/me/edit/" hx-trigger="load">x</a>',
    )
    client = login_client(alice)

    for path in ("/people/", "/people/bob/"):
        page = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    profile = client.get("/people/bob/").content.decode()
    assert "<img src=x" not in profile
    assert 'hx-get="/people/me/edit/"' not in profile
    assert "hx-get=&quot;/people/me/edit/&quot;" in profile


def test_the_header_links_to_people(alice, room):
    assert 'href="/people/">People</a>' in login_client(alice).get("/rooms/").content.decode()


def test_the_people_pages_do_not_need_profile_rows(alice, bob):
    client = login_client(alice)

    assert client.get("/people/").status_code == 200
    assert client.get("/people/bob/").status_code == 200
    assert not Profile.objects.exists()


def test_the_list_costs_the_same_queries_for_60_people_as_for_one(
    alice, make_user, django_assert_max_num_queries
):
    client = login_client(alice)
    client.get("/people/")  # the session and the like, warmed
    for number in range(60):
        user = make_user(f"user{number:02d}")
        if number % 2:
            Profile.objects.create(user=user, display_name=f"Person {number}")

    # Session, user, the viewer's own profile (their theme and the header's avatar: one query), the title's
    # count of what is addressed to the reader (messaging/attention.py), the count and the page of people.
    with django_assert_max_num_queries(7):
        assert client.get("/people/").status_code == 200


def test_names_in_capitals_sort_among_the_others(alice, bob):
    # Sorted by the lowercased name: "Zoe" after "bob", not before every lowercase name.
    get_user_model().objects.create_user(username="Zoe")
    assert [username for username, _ in listed(login_client(alice))] == ["alice", "bob", "Zoe"]
