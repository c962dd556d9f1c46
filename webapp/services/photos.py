"""Photos: accept JPEG, PNG or WebP up to 5 MB and re-encode them without metadata.

Re-encoding from pixels drops EXIF (GPS, camera, time) and anything hidden after
the image data; orientation is applied first so the picture stays upright.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from webapp.services.errors import PhotoRejected, PhotoTooLarge

MAX_PHOTO_BYTES = 5 * 1024 * 1024
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 2048  # enough for staff to see the problem; keeps rows small
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    mime_type: str
    width: int
    height: int


def clean_photo(raw: bytes) -> CleanPhoto:
    """Check and re-encode an uploaded photo as a metadata-free JPEG."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise PhotoRejected()
            probe.verify()  # catches truncated and corrupt files
        with Image.open(io.BytesIO(raw)) as image:
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # A new image from pixels only: no exif, icc or text chunks are passed on.
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoRejected() from None
    return CleanPhoto(out.getvalue(), "image/jpeg", image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, so transparent PNGs do not turn black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
