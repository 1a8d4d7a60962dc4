from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import login_client

pytestmark = pytest.mark.django_db

SHIPPED = {"staticfiles": {"BACKEND": "site_config.static_storage.CollectedStaticFiles"}}


def test_collected_static_files_get_a_content_hash_and_a_gzip_copy_and_pages_link_them(tmp_path, alice, room):
    from django.conf import settings

    storages = {**settings.STORAGES, **SHIPPED}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", "-v0")
        page = login_client(alice).get("/rooms/general/").content.decode()

    hashed = [path.name for path in (tmp_path / "css").glob("chat.*.css")]
    assert len(hashed) == 1
    assert f"/static/css/{hashed[0]}" in page
    compressed = Path(tmp_path / "css" / f"{hashed[0]}.gz").read_bytes()
    assert gzip.decompress(compressed) == (tmp_path / "css" / hashed[0]).read_bytes()
    assert "vendor/htmx/htmx.min." in page
    assert "/static/vendor/htmx/htmx.min.js" not in page


def test_the_shipped_settings_use_the_compressed_manifest_storage():
    from site_config import settings

    assert settings.STORAGES["staticfiles"] == SHIPPED["staticfiles"]


def test_without_a_collect_pages_link_the_plain_names_instead_of_failing(tmp_path, alice, room):
    from django.conf import settings

    storages = {**settings.STORAGES, **SHIPPED}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages, DEBUG=False):
        response = login_client(alice).get("/rooms/general/")

    assert response.status_code == 200
    assert "/static/css/chat.css" in response.content.decode()


def test_every_bootstrap_class_a_template_uses_survives_in_the_trimmed_stylesheet():
    """Pages link Bootstrap trimmed to what our templates use (`make css`): a template that starts using a
    class that was trimmed away fails here until the stylesheet is made again."""
    import re

    from django.conf import settings

    bootstrap = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap"
    full = (bootstrap / "bootstrap.min.css").read_text()
    trimmed = (bootstrap / "bootstrap.trimmed.css").read_text()
    used: set[str] = set()
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        for classes in re.findall(r'class="([^"{]*)', template.read_text()):
            used.update(classes.split())

    def defined(css: str, name: str) -> bool:
        return re.search(rf"\.{re.escape(name)}(?![\w-])", css) is not None

    missing = sorted(name for name in used if defined(full, name) and not defined(trimmed, name))
    assert not missing, f"run `make css`: {missing}"
    assert len(trimmed) < len(full) / 3
