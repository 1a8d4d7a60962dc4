"""A person's theme (light, dark or the system's), applied by the server on every page; the dark palette's
two copies in chat.css; theme directories (CHAT_THEME_DIRS) and the example theme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from people.models import Profile
from people.names import display_name
from site_config.context_processors import chat
from site_config.themes import theme_dirs
from tests.conftest import login_client

ROOT = Path(__file__).resolve().parents[2]
DARK_RULE = re.compile(r':root\[data-theme="dark"\] \{(?P<body>[^}]*)\}')
SYSTEM_DARK_RULE = re.compile(
    r"@media \(prefers-color-scheme: dark\) \{\s*"
    r':root:not\(\[data-theme="light"\]\):not\(\[data-theme="dark"\]\) \{(?P<body>[^}]*)\}'
)


def declarations(body: str) -> list[str]:
    without_comments = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return [line.strip() for line in without_comments.split(";") if line.strip()]


def choose(client: Client, theme: object) -> int:
    return client.post("/people/me/edit/", {"display_name": "", "bio": "", "theme": theme}).status_code


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


def color_scheme(page: str) -> str:
    match = re.search(r'<meta name="color-scheme" content="([^"]*)">', page)
    assert match
    return match.group(1)


def test_anonymous_pages_follow_the_system(db):
    page = Client().get("/accounts/login/").content.decode()

    assert 'data-theme="system"' in html_tag(page)
    assert color_scheme(page) == "light dark"


def test_someone_without_a_profile_follows_the_system(alice):
    page = login_client(alice).get("/rooms/").content.decode()

    assert 'data-theme="system"' in html_tag(page)
    assert color_scheme(page) == "light dark"
    assert not Profile.objects.exists()  # a GET writes nothing


@pytest.mark.parametrize(
    ("theme", "scheme"), [("dark", "dark"), ("light", "light"), ("system", "light dark")]
)
def test_a_chosen_theme_is_stored_and_drawn_on_every_page(alice, theme, scheme):
    client = login_client(alice)

    assert choose(client, theme) == 302

    assert Profile.objects.get(user=alice).theme == theme
    for path in ["/rooms/", "/people/", "/people/me/edit/", "/search/?q=x"]:
        page = client.get(path).content.decode()
        assert f'data-theme="{theme}"' in html_tag(page), path
        assert color_scheme(page) == scheme, path


def test_the_edit_page_offers_the_three_themes_with_the_current_one_checked(alice):
    client = login_client(alice)
    choose(client, "dark")

    page = client.get("/people/me/edit/").content.decode()

    for value, label in Profile.Theme.choices:
        assert f'value="{value}"' in page
        assert label in page
    assert re.search(r'<input type="radio"[^>]*name="theme" value="dark"[^>]*checked', page)


def test_a_profile_form_without_a_theme_keeps_the_chosen_one(alice):
    client = login_client(alice)
    choose(client, "dark")

    client.post("/people/me/edit/", {"display_name": "Alice", "bio": ""})

    profile = Profile.objects.get(user=alice)
    assert (profile.display_name, profile.theme) == ("Alice", "dark")


def test_one_persons_theme_is_not_anothers(alice, bob):
    choose(login_client(alice), "dark")

    assert 'data-theme="system"' in html_tag(login_client(bob).get("/rooms/").content.decode())


@pytest.mark.parametrize("theme", ["purple", "DARK", "dark\x00", "x" * 10_000, "<script>"])
def test_an_unknown_theme_is_a_form_error_and_changes_nothing(alice, theme):
    client = login_client(alice)
    choose(client, "light")

    assert choose(client, theme) == 400
    assert Profile.objects.get(user=alice).theme == "light"


def test_a_theme_that_is_not_utf_8_is_a_form_error(alice):
    client = login_client(alice)
    body = "display_name=&bio=&theme=%ED%A0%80"  # a lone surrogate, as bytes no browser sends

    response = client.post("/people/me/edit/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert not Profile.objects.exists()


def context_for(user: object) -> dict[str, object]:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    return chat(request)


def test_the_theme_costs_one_query_once_per_page(alice, django_assert_num_queries):
    Profile.objects.create(user=alice, theme="dark")
    context = context_for(get_user_model().objects.get(pk=alice.pk))

    with django_assert_num_queries(1):
        assert str(context["theme"]) == "dark"
        assert str(context["color_scheme"]) == "dark"
        assert str(context["theme"]) == "dark"


def test_the_theme_costs_nothing_when_the_profile_was_loaded(alice, django_assert_num_queries):
    Profile.objects.create(user=alice, theme="light")
    user = get_user_model().objects.select_related("profile").get(pk=alice.pk)

    with django_assert_num_queries(0):
        assert str(context_for(user)["theme"]) == "light"


def test_the_profile_read_for_the_theme_serves_the_name_too(alice, bob, django_assert_num_queries):
    Profile.objects.create(user=alice, display_name="Alice L.")
    with_profile = get_user_model().objects.get(pk=alice.pk)
    without_profile = get_user_model().objects.get(pk=bob.pk)
    str(context_for(with_profile)["theme"])
    str(context_for(without_profile)["theme"])

    with django_assert_num_queries(0):
        assert display_name(with_profile) == "Alice L."
        assert display_name(without_profile) == "bob"


def test_a_page_reads_the_viewers_profile_for_its_theme_once(alice):
    client = login_client(alice)
    client.get("/rooms/")

    with CaptureQueriesContext(connection) as page:
        client.get("/rooms/")

    profile_reads = [query for query in page.captured_queries if '"people_profile"' in query["sql"]]
    assert len(profile_reads) == 1


def test_the_dark_palette_is_the_same_chosen_and_followed_from_the_system():
    css = (ROOT / "static/css/chat.css").read_text()
    chosen, followed = DARK_RULE.search(css), SYSTEM_DARK_RULE.search(css)
    assert chosen
    assert followed

    assert declarations(chosen["body"]) == declarations(followed["body"])
    assert "--bs-body-bg: #16181b" in declarations(chosen["body"])


def test_a_theme_root_gives_its_templates_and_static_files_and_a_plain_directory_stays_templates(tmp_path):
    (tmp_path / "mine/templates").mkdir(parents=True)
    (tmp_path / "mine/static").mkdir()
    (tmp_path / "only-templates/templates").mkdir(parents=True)
    (tmp_path / "plain").mkdir()

    templates, static = theme_dirs(["mine", str(tmp_path / "only-templates"), "plain"], tmp_path)

    assert templates == [
        tmp_path / "mine/templates",
        tmp_path / "only-templates/templates",
        tmp_path / "plain",
    ]
    assert static == [tmp_path / "mine/static"]


def example_theme_settings(settings: object) -> override_settings:
    templates, static = theme_dirs(["themes/example"], ROOT)
    engine = {**settings.TEMPLATES[0], "DIRS": [*templates, ROOT / "templates"]}  # type: ignore[attr-defined]
    return override_settings(TEMPLATES=[engine], STATICFILES_DIRS=[*static, ROOT / "static"])


def test_the_example_theme_adds_its_stylesheet_to_every_page_and_serves_it(alice, room, settings):
    with example_theme_settings(settings):
        client = login_client(alice)
        pages = [client.get(path).content.decode() for path in ["/rooms/", "/rooms/general/"]]
        pages.append(Client().get("/accounts/login/").content.decode())
        stylesheet = finders.find("themes/example/theme.css")
        served = Client().get("/static/themes/example/theme.css")

    for page in pages:
        chat_css = page.index('href="/static/css/chat.css"')
        theme_css = page.index('href="/static/themes/example/theme.css"')
        assert chat_css < theme_css  # the theme's variables win
        assert 'data-theme="system"' in html_tag(page)
    assert 'id="messages"' in pages[1]  # the room page itself, intact
    assert stylesheet
    assert Path(str(stylesheet)).is_relative_to(ROOT / "themes/example/static")
    assert served.status_code == 200
    assert b"--chat-accent" in b"".join(served.streaming_content)  # type: ignore[attr-defined]


def test_without_the_theme_no_theme_stylesheet_is_linked(alice):
    assert "themes/example" not in login_client(alice).get("/rooms/").content.decode()


def test_the_example_themes_dark_values_are_the_same_chosen_and_followed():
    css = (ROOT / "themes/example/static/themes/example/theme.css").read_text()
    chosen, followed = DARK_RULE.search(css), SYSTEM_DARK_RULE.search(css)
    assert chosen
    assert followed
    assert declarations(chosen["body"]) == declarations(followed["body"])
