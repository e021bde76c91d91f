"""Machine photos: checked by their content, stored under a random name in UPLOAD_FOLDER."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
# Only files this module wrote are served: other uploads may share the folder.
PHOTO_NAME = re.compile(r"machine-[0-9a-f]{32}\.(jpg|png|webp)")
HEADER_BYTES = 16


class PhotoError(DomainError):
    code = "invalid"


def image_extension(header: bytes) -> str | None:
    """The extension matching a JPEG, PNG or WebP signature, or None."""
    if header.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "webp"
    return None


def read_photo(stream: IO[bytes]) -> tuple[bytes, str]:
    """Read an uploaded photo; returns its bytes and extension or raises PhotoError."""
    content = stream.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise PhotoError(_l("The photo must weigh 8 MB at most."), field="photo")
    extension = image_extension(content[:HEADER_BYTES])
    if extension is None:
        raise PhotoError(_l("The photo must be a JPEG, PNG or WebP image."), field="photo")
    return content, extension


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def store_photo(content: bytes, extension: str) -> str:
    """Write the photo under a new random name and return that name."""
    filename = f"machine-{secrets.token_hex(16)}.{extension}"
    folder = upload_folder()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, filename), "xb") as output:
        output.write(content)
    return filename


def is_photo_name(filename: str) -> bool:
    return PHOTO_NAME.fullmatch(filename or "") is not None


def delete_photo(filename: str | None) -> None:
    """Remove a stored photo file; a missing file is not an error."""
    if not filename or not is_photo_name(filename):
        return
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(upload_folder(), filename))
