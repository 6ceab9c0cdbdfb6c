"""The media type of an attachment when the service does not say it, for connectors and the thread service.

Chatwoot's attachment ``extension`` is a column only some channels fill: usually it is null. What is
left is the coarse ``file_type`` (image, audio, video, file, ...), the file name at the end of the
``data_url`` and, once the agent downloads it, the bytes themselves.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

OCTET_STREAM = "application/octet-stream"
# Coarse kinds Chatwoot reports when nothing better is known: the family, not the exact type.
_FAMILY_DEFAULTS = {"image": "image/*", "audio": "audio/*", "video": "video/*"}
# Leading bytes of common formats (the ones customers send: photos, voice notes, PDFs, office files).
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"\x1aE\xdf\xa3", 0, "video/webm"),
    (b"PK\x03\x04", 0, "application/zip"),
)


def _suffix_type(name: str) -> str | None:
    guessed, _ = mimetypes.guess_type(name.lower(), strict=False)
    return guessed


def file_name(url: str) -> str:
    """The last path segment of a download address, percent-decoded ('' when there is none)."""
    return unquote(posixpath.basename(urlsplit(url).path)) if url else ""


def guess(*, file_type: str = "", extension: str = "", url: str = "", filename: str = "") -> str:
    """Best media type from what the payload carries: the extension, the file or URL name, the family."""
    ext = extension.strip().lstrip(".")
    for name in (f"x.{ext}" if ext else "", filename, file_name(url)):
        found = _suffix_type(name) if name else None
        if found:
            return found
    return _FAMILY_DEFAULTS.get(file_type.strip().lower(), OCTET_STREAM)


def sniff(data: bytes) -> str | None:
    """The media type the first bytes announce, or None when they match no known format."""
    head = bytes(data[:16])
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    return None


def is_vague(content_type: str) -> bool:
    """Whether a stored type is only a guess worth replacing by what the bytes say."""
    return not content_type or content_type == OCTET_STREAM or content_type.endswith("/*")
