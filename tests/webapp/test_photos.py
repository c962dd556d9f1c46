import io

import pytest
from PIL import Image

from webapp.services import errors
from webapp.services.photos import MAX_PHOTO_BYTES, clean_photo


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPS
    return exif.tobytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_reencoded_as_jpeg(image_bytes, fmt):
    photo = clean_photo(image_bytes(fmt))
    assert photo.mime_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"
    assert (photo.width, photo.height) == (64, 48)


def test_exif_and_gps_are_removed(image_bytes):
    raw = image_bytes("JPEG", exif=exif_with_gps())
    assert b"PhoneMaker" in raw and Image.open(io.BytesIO(raw)).getexif().get(0x8825)
    photo = clean_photo(raw)
    assert b"PhoneMaker" not in photo.data
    assert b"Exif" not in photo.data
    assert not Image.open(io.BytesIO(photo.data)).getexif()


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    cleaned = Image.open(io.BytesIO(clean_photo(out.getvalue()).data))
    assert cleaned.getpixel((5, 5))[0] > 240


def test_large_photos_are_scaled_down(image_bytes):
    photo = clean_photo(image_bytes("PNG", size=(4000, 1000)))
    assert max(photo.width, photo.height) == 2048


@pytest.mark.parametrize(
    "raw",
    [b"", b"not an image at all", b"GIF89a" + b"\x00" * 100, b"%PDF-1.4 fake"],
    ids=["empty", "text", "gif-header", "pdf"],
)
def test_other_files_are_refused(raw):
    with pytest.raises(errors.PhotoRejected):
        clean_photo(raw)


def test_gif_is_refused(image_bytes):
    with pytest.raises(errors.PhotoRejected):
        clean_photo(image_bytes("GIF"))


def test_truncated_jpeg_is_refused(image_bytes):
    with pytest.raises(errors.PhotoRejected):
        clean_photo(image_bytes("JPEG", size=(400, 300))[:300])


def test_over_5_mb_is_refused():
    with pytest.raises(errors.PhotoTooLarge):
        clean_photo(b"\xff\xd8" + b"\x00" * MAX_PHOTO_BYTES)
