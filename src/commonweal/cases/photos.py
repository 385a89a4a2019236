"""Photos residents attach to requests: checked by their content, cleaned, then stored.

A photo is accepted when Pillow can decode it as JPEG, PNG or WebP (the file name and the
declared content type are ignored), it is at most MAX_BYTES and MAX_PIXELS, and it is then
re-encoded from its pixels — which drops EXIF (GPS position, camera, time) and every other
metadata block — after turning it upright by its EXIF orientation.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
FOLDER = "requests"


def clean_photo(upload: UploadedFile) -> tuple[bytes, str]:
    """Return the re-encoded photo and its extension, or raise ValidationError({"media": …})."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError({"media": [_("The photo is larger than 10 MB.")]})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError({"media": [_("The photo is larger than 10 MB.")]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise ValidationError({"media": [_("Send a JPEG, PNG or WebP photo.")]})
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"media": [_("The photo has too many pixels.")]})
            image.load()
            # written again inside the check: a file can decode to what its format cannot
            # hold (an animated WebP declaring a canvas wider than WebP's 16,383 pixels)
            cleaned = _reencode(ImageOps.exif_transpose(image), image.format)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ValidationError({"media": [_("The file is not a photo we can read.")]}) from error
    return cleaned, FORMATS[image.format]


def _reencode(image: Image.Image, format_: str) -> bytes:
    if format_ == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    output = io.BytesIO()
    image.save(output, format=format_, quality=88) if format_ == "JPEG" else image.save(
        output, format=format_
    )
    return output.getvalue()


def store_photo(content: bytes, extension: str) -> str:
    """Store a cleaned photo under an unguessable name; return its storage name."""
    return default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.{extension}", ContentFile(content))


def delete_photo(name: str) -> None:
    default_storage.delete(name)
