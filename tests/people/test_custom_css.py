"""Staff's custom CSS: edited in the admin by those allowed to, served only as a versioned text/css
stylesheet, linked from every page when there is some, read from the cache."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from people import actions, custom_css
from people.models import CUSTOM_CSS_MAX_BYTES, CustomStyle
from tests.conftest import login_client

ADD_URL = "/admin/people/customstyle/add/"
HOSTILE = "</style><script>alert(1)</script><style>body { color: red; }"


def save(css: str, django_capture_on_commit_callbacks) -> CustomStyle:
    style = CustomStyle.objects.first() or CustomStyle()
    style.css = css
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_custom_style(style)
    return style


def linked_version(page: str) -> str | None:
    match = re.search(r'<link rel="stylesheet" href="/custom\.css\?v=(\d+)">', page)
    return match.group(1) if match else None


@pytest.fixture
def admin(make_user):
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_no_custom_css_no_link(alice):
    assert linked_version(login_client(alice).get("/rooms/").content.decode()) is None
    assert linked_version(Client().get("/accounts/login/").content.decode()) is None


def test_saved_css_is_linked_after_the_chats_own_on_every_page(alice, django_capture_on_commit_callbacks):
    style = save(":root { --chat-accent: #6f42c1; }", django_capture_on_commit_callbacks)

    for page in [
        login_client(alice).get("/rooms/").content.decode(),
        Client().get("/accounts/login/").content.decode(),
    ]:
        assert linked_version(page) == str(custom_css.version_of(style))
        assert page.index("/static/css/chat.css") < page.index("/custom.css?v=")


def test_the_stylesheet_is_text_css_cached_for_good_under_its_version(db, django_capture_on_commit_callbacks):
    style = save(":root { --chat-accent: #6f42c1; }", django_capture_on_commit_callbacks)

    response = Client().get(f"/custom.css?v={custom_css.version_of(style)}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.content == b":root { --chat-accent: #6f42c1; }"


@pytest.mark.parametrize("query", ["", "?v=1", "?v=abc", "?v=%00", "?v=9" * 50])
def test_an_old_or_strange_version_gets_the_current_text_not_to_be_kept(
    db, django_capture_on_commit_callbacks, query
):
    save("body { margin: 0; }", django_capture_on_commit_callbacks)

    response = Client().get(f"/custom.css{query}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response.content == b"body { margin: 0; }"


def test_the_stylesheet_without_custom_css_is_empty(db):
    response = Client().get("/custom.css")

    assert (response.status_code, response.content) == (200, b"")
    assert response["Content-Type"] == "text/css; charset=utf-8"


def test_a_post_to_the_stylesheet_is_refused(db):
    assert Client().post("/custom.css").status_code == 405


def test_emptying_it_removes_the_link(alice, django_capture_on_commit_callbacks):
    save("body { margin: 0; }", django_capture_on_commit_callbacks)
    save("  \n ", django_capture_on_commit_callbacks)

    assert linked_version(login_client(alice).get("/rooms/").content.decode()) is None


def test_a_save_changes_the_version_at_once(alice, django_capture_on_commit_callbacks):
    client = login_client(alice)
    save("body { margin: 0; }", django_capture_on_commit_callbacks)
    before = linked_version(client.get("/rooms/").content.decode())

    save("body { margin: 1px; }", django_capture_on_commit_callbacks)
    after = linked_version(client.get("/rooms/").content.decode())

    assert before
    assert after
    assert before != after
    assert Client().get(f"/custom.css?v={after}").content == b"body { margin: 1px; }"


def test_html_in_it_never_reaches_a_page(alice, django_capture_on_commit_callbacks):
    save(HOSTILE, django_capture_on_commit_callbacks)

    page = login_client(alice).get("/rooms/").content.decode()
    served = Client().get("/custom.css")

    assert "alert(1)" not in page
    assert served["Content-Type"] == "text/css; charset=utf-8"
    assert served.content == HOSTILE.encode()


def test_pages_read_it_from_the_cache(alice, django_capture_on_commit_callbacks):
    save("body { margin: 0; }", django_capture_on_commit_callbacks)
    client = login_client(alice)
    client.get("/rooms/")

    with CaptureQueriesContext(connection) as page:
        assert linked_version(client.get("/rooms/").content.decode())

    assert not [query for query in page.captured_queries if "people_customstyle" in query["sql"]]


def test_a_person_who_is_not_staff_cannot_open_it_in_the_admin(alice):
    response = login_client(alice).get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_cannot_edit_it(make_user):
    helper = make_user("helper")
    helper.is_staff = True
    helper.save()
    client = login_client(helper)

    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, {"css": "body { color: red; }"}).status_code == 403
    assert not CustomStyle.objects.exists()


def test_staff_with_the_permission_edit_it_and_pages_link_it(
    make_user, alice, django_capture_on_commit_callbacks
):
    editor = make_user("editor")
    editor.is_staff = True
    editor.save()
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_customstyle", "change_customstyle"])
    )
    client = login_client(get_user_model().objects.get(pk=editor.pk))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD_URL, {"css": "body { letter-spacing: 0.01em; }"})

    assert response.status_code == 302
    assert linked_version(login_client(alice).get("/rooms/").content.decode())
    style = CustomStyle.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/people/customstyle/{style.pk}/change/", {"css": ""})
    assert linked_version(login_client(alice).get("/rooms/").content.decode()) is None


def test_there_is_one_stylesheet_and_it_is_not_deleted(admin, django_capture_on_commit_callbacks):
    client = login_client(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD_URL, {"css": "body { margin: 0; }"})
    style = CustomStyle.objects.get()

    assert client.get(ADD_URL).status_code == 403
    assert client.post(f"/admin/people/customstyle/{style.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CustomStyle.objects.count() == 1


def test_too_big_a_stylesheet_is_a_clear_admin_error(admin):
    css = "/*" + "x" * CUSTOM_CSS_MAX_BYTES + "*/"

    response = login_client(admin).post(ADD_URL, {"css": css})

    assert response.status_code == 200  # the form again, with its error
    assert "at most 102,400 are allowed" in response.content.decode()
    assert not CustomStyle.objects.exists()


def test_a_stylesheet_of_many_byte_characters_counts_its_bytes(admin):
    css = "/*" + "é" * (CUSTOM_CSS_MAX_BYTES // 2) + "*/"  # fewer characters than the limit, more bytes

    response = login_client(admin).post(ADD_URL, {"css": css})

    assert "at most 102,400 are allowed" in response.content.decode()
    assert not CustomStyle.objects.exists()


@pytest.mark.parametrize("css", ["body {}\x00", "body { content: '\ud800'; }"], ids=["nul", "lone-surrogate"])
def test_characters_no_database_stores_are_refused(css):
    from django.core.exceptions import ValidationError

    from people.models import validate_custom_css

    with pytest.raises(ValidationError):
        validate_custom_css(css)


def test_pages_still_render_when_the_cache_is_down(alice, monkeypatch):
    """With REDIS_URL the cache is Redis: during its outage chat pages keep working (the hub recovers)."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Connection refused")

    for method in ("get", "set", "delete"):
        monkeypatch.setattr(cache, method, down)

    assert custom_css.current() == custom_css.NONE
    custom_css.forget()
    assert login_client(alice).get("/people/").status_code == 200
