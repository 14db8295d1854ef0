"""Derived copies (thumbnails): orientation applied, metadata stripped; originals are never touched."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps

THUMB_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/gif"})
MAX_PIXELS = 80_000_000  # refuse decompression bombs instead of eating the server's memory

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def can_thumbnail(content_type: str) -> bool:
    """Whether a thumbnail is made for this content type."""
    return content_type.lower() in THUMB_TYPES


def make_thumbnail(src: Path, size: int = 320) -> bytes:
    """JPEG bytes of a thumbnail of ``src`` with EXIF orientation applied and no EXIF/XMP/ICC carried over."""
    _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(src) as im:
            if im.width * im.height > MAX_PIXELS:
                raise ValueError("image too large to thumbnail")
            im.draft("RGB", (size * 2, size * 2))  # JPEG: decode at reduced scale, much faster
            rotated = ImageOps.exif_transpose(im)
            rotated.thumbnail((size, size))
            out = rotated.convert("RGB")
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=82, optimize=True)  # no exif= argument: nothing is copied over
    return buf.getvalue()
