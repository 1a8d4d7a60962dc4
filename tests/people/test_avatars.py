"""Avatars: only real images, re-drawn as a 128 px WebP with nothing of the upload but its pixels."""

from __future__ import annotations

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from people import avatars
from people.models import Profile
from tests.conftest import login_client
from tests.people.images import GPS_IFD, image_bytes, jpeg_with_gps, png_bomb, upload


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_each_accepted_format_becomes_a_128_px_square_webp(fmt):
    stored = opened(avatars.process(image_bytes(fmt, size=(300, 200))))

    assert stored.format == "WEBP"
    assert stored.size == (128, 128)


def test_a_jpeg_with_exif_gps_is_stored_without_any_metadata():
    original = jpeg_with_gps()
    assert opened(original).getexif().get_ifd(GPS_IFD)  # the test's own image does carry GPS

    stored = avatars.process(original)

    image = opened(stored)
    assert not image.getexif()
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"Exif" not in stored
    assert b"PhoneMaker" not in stored


def test_the_crop_keeps_the_centre_of_a_wide_image():
    wide = Image.new("RGB", (300, 100), "blue")
    wide.paste(Image.new("RGB", (100, 100), "red"), (100, 0))
    out = io.BytesIO()
    wide.save(out, format="PNG")

    stored = opened(avatars.process(out.getvalue())).convert("RGB")

    red, _green, blue = stored.getpixel((64, 64))  # type: ignore[misc]
    assert red > 200
    assert blue < 60
    assert stored.getpixel((2, 64))[0] > 200  # type: ignore[index]  # the blue sides are cut off


def test_a_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])

    stored = opened(avatars.process(out.getvalue())).convert("RGB")

    assert stored.getpixel((64, 64))[0] > 200  # type: ignore[index]


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, renamed to .png",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing valid after it
        image_bytes("PNG")[:200],  # cut short
        image_bytes("BMP"),  # a real image, but not one of the four formats
        b"",
    ],
    ids=["text", "signature-only", "truncated", "bmp", "empty"],
)
def test_anything_but_a_real_image_is_refused_as_not_an_image(data):
    with pytest.raises(ValidationError) as refused:
        avatars.process(data)

    assert refused.value.code == "not_an_image"


def test_a_20000_px_square_png_bomb_is_refused_before_it_is_decoded():
    bomb = png_bomb(20000)
    assert len(bomb) < 200_000

    with pytest.raises(ValidationError) as refused:
        avatars.process(bomb)

    assert refused.value.code == "too_many_pixels"


def test_an_image_just_over_the_pixel_limit_is_refused():
    with pytest.raises(ValidationError) as refused:
        avatars.process(png_bomb(4097))

    assert refused.value.code == "too_many_pixels"


# Through the profile form


@pytest.fixture
def alice_client(alice) -> Client:
    return login_client(alice)


def post_avatar(client: Client, data: bytes, name: str = "me.png", **fields: str):
    return client.post(
        "/people/me/edit/", {"display_name": "", "bio": "", "avatar": upload(data, name), **fields}
    )


def test_an_uploaded_avatar_is_stored_and_served_with_long_caching(alice, alice_client):
    response = post_avatar(alice_client, jpeg_with_gps(), "photo.jpg")

    assert response.status_code == 302
    profile = Profile.objects.get(user=alice)
    assert profile.avatar_changed_at is not None
    url = f"/people/alice/avatar/{avatars.version_of(profile.avatar_changed_at)}/"
    assert url in alice_client.get("/people/alice/").content.decode()
    served = alice_client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served["Cache-Control"]
    assert profile.avatar is not None
    assert served.content == bytes(profile.avatar)
    assert b"PhoneMaker" not in served.content


def test_a_new_avatar_gets_a_new_address_and_the_old_one_leads_to_it(alice, alice_client):
    post_avatar(alice_client, image_bytes("PNG", colour="red"))
    first = Profile.objects.get(user=alice).avatar_changed_at
    post_avatar(alice_client, image_bytes("PNG", colour="blue"))
    second = Profile.objects.get(user=alice).avatar_changed_at
    assert first is not None
    assert second is not None

    assert avatars.version_of(first) != avatars.version_of(second)
    old = alice_client.get(f"/people/alice/avatar/{avatars.version_of(first)}/")
    assert old.status_code == 302
    assert old["Location"] == f"/people/alice/avatar/{avatars.version_of(second)}/"


def test_avatars_need_a_signed_in_viewer(alice, alice_client):
    post_avatar(alice_client, image_bytes("PNG"))
    profile = Profile.objects.get(user=alice)
    assert profile.avatar_changed_at is not None

    response = Client().get(f"/people/alice/avatar/{avatars.version_of(profile.avatar_changed_at)}/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_someone_without_an_avatar_has_no_avatar_address(alice, bob):
    assert login_client(alice).get("/people/bob/avatar/1/").status_code == 404
    assert login_client(alice).get("/people/nobody/avatar/1/").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"not an image at all", "evil.png", avatars.NOT_AN_IMAGE),
        (png_bomb(20000), "bomb.png", avatars.TOO_MANY_PIXELS),
    ],
    ids=["text-renamed-png", "bomb"],
)
def test_a_refused_upload_is_a_clear_form_error_and_stores_nothing(alice, alice_client, data, name, error):
    response = post_avatar(alice_client, data, name, display_name="Alice A.")

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Profile.objects.filter(user=alice).exists()


def test_an_upload_over_2_mb_is_refused_as_too_large(alice, alice_client):
    # Random bytes do not compress: a real PNG of just over 2 MB.
    noise = Image.frombytes("RGB", (860, 860), os.urandom(860 * 860 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    data = out.getvalue()
    assert 2 * 1024 * 1024 < len(data) < 2.3 * 1024 * 1024

    response = post_avatar(alice_client, data)

    assert response.status_code == 400
    assert avatars.TOO_LARGE in response.content.decode()
    assert not Profile.objects.filter(user=alice).exists()


def test_remove_avatar_goes_back_to_initials(alice, alice_client):
    post_avatar(alice_client, image_bytes("PNG"))

    alice_client.post("/people/me/edit/", {"display_name": "", "bio": "", "remove_avatar": "on"})

    profile = Profile.objects.get(user=alice)
    assert profile.avatar is None
    assert profile.avatar_changed_at is None
    page = alice_client.get("/people/alice/").content.decode()
    assert "/avatar/" not in page
    assert 'class="avatar avatar-' in page
