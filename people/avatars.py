"""Turning an upload into a stored avatar: any real JPEG, PNG, GIF (first frame) or WebP becomes a 128 px
square WebP drawn afresh, so nothing of the upload but its pixels survives (no EXIF, no GPS, no comments)."""

from __future__ import annotations

import io
import warnings
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 128
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# 4096 x 4096: a 12-megapixel phone photo fits; a tiny PNG can claim 20,000 x 20,000 and ask for 1.6 GB once
# decoded, so the header is checked before any pixel is. At this bound one upload decodes to ~64 MB at most.
MAX_PIXELS = 4096 * 4096
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
CONTENT_TYPE = "image/webp"

NOT_AN_IMAGE = "Upload a JPEG, PNG, GIF or WebP image."
TOO_LARGE = "The image is too large: at most 2 MB."
TOO_MANY_PIXELS = "The image has too many pixels: at most 4096 by 4096."


def read_upload(upload: UploadedFile[bytes]) -> bytes:
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    data: bytes = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large")
    return data


def process(data: bytes) -> bytes:
    """The avatar's bytes, or a ValidationError saying what was wrong with the upload."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels")
                # A JPEG decodes at a fraction of its size straight away: a 24 MP photo never fills memory.
                image.draft("RGB", (SIZE * 2, SIZE * 2))
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGBA" if has_alpha(upright) else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels") from bomb
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as broken:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from broken
    square = ImageOps.fit(pixels, (SIZE, SIZE), Image.Resampling.LANCZOS)
    # A new image carries no `info` (EXIF, ICC, XMP) that an encoder might copy across.
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def version_of(changed_at: datetime) -> int:
    """Microseconds since the epoch: a new picture gets a new URL, so browsers may cache each one forever."""
    return int(changed_at.timestamp() * 1_000_000)


def has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
