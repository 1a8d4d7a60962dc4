"""Images made on the spot for the avatar tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# A GPS block as a phone writes it: latitude 48 deg N.
GPS_IFD = 0x8825


def image_bytes(fmt: str, size: tuple[int, int] = (300, 200), colour: str = "red", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return image_bytes("JPEG", exif=exif.tobytes())


def png_bomb(side: int = 20000) -> bytes:
    """A one-bit image of side x side pixels: a few kilobytes on disk, gigabytes once decoded."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def upload(data: bytes, name: str = "me.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
