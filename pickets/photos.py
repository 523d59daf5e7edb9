"""Photo uploads: checked by content, not by name, and re-encoded so that no metadata survives
(location above all)."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
LONGEST_SIDE = 2000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# The name a clean photo is saved under; its field's upload_to chooses where.
PHOTO_NAME = "photo.jpg"


def clean_photo(upload: UploadedFile) -> ContentFile:
    """A JPEG with the picture and nothing else, or ValidationError saying what is wrong."""
    size = upload.size
    if size is None:  # never for a file sent with a form: Django counts it as it arrives
        raise ValidationError("That photo did not arrive whole: send it again.")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"That photo is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Send a smaller copy."
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "That file is not a photo we can read: send a JPEG, PNG or WebP."
        ) from None
    if kind not in ACCEPTED_FORMATS:
        raise ValidationError(f"{kind} files are not accepted: send a JPEG, PNG or WebP.")
    if width * height > MAX_PIXELS:
        raise ValidationError("That photo has too many pixels: send a smaller copy.")
    upload.seek(0)
    with Image.open(upload) as opened:
        image = ImageOps.exif_transpose(opened)  # keep the picture upright once EXIF is gone
        image = image.convert("RGB")
        image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
        # A new image from the pixels alone: EXIF, GPS, XMP and comments are left behind.
        clean = Image.new("RGB", image.size)
        clean.paste(image)
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=PHOTO_NAME)
