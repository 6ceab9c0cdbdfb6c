"""Attachment bytes on disk, content-addressed by sha256, for email ingest (write) and services (read).

Bytes live in ``<data folder>/attachments/<aa>/<sha256>/content``: the same file attached to a hundred
mails is stored once; each name it was sent under is a hard link beside it (``<aa>/<sha256>/<name>``,
the layout the thread view's downloads use too), which is what ``attachment.local_path`` points at.
Writes go through a temp file and an atomic rename, so a crash never leaves a truncated blob under
its final name. The data folder is the cache database's folder (AppPaths).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Connection

DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # larger attachments keep their metadata, not their bytes
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_dir_for(conn: Connection) -> Path:
    """``attachments/`` beside the cache file this connection writes to."""
    database = conn.engine.url.database
    if not database or database == ":memory:":
        raise RuntimeError("attachments need a file-backed cache")
    return Path(database).resolve().parent / "attachments"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d|content)(\..*)?$", re.IGNORECASE)  # devices; our own name


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name from mail that cannot escape a folder or upset a file system."""
    cleaned = _UNSAFE.sub("_", name or "").strip().lstrip(".").strip()
    if not cleaned or _RESERVED.match(cleaned):
        cleaned = f"{fallback}_{cleaned}" if cleaned else fallback
    stem, dot, ext = cleaned.rpartition(".")
    if dot and len(ext) <= 16:
        return stem[:180] + "." + ext
    return cleaned[:200]


def blob_path(root: Path, sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256 or ""):
        raise ValueError(f"not a sha256 digest: {sha256!r}")
    return root / sha256[:2] / sha256 / "content"


def named_path(root: Path, sha256: str, filename: str) -> Path:
    """The blob under the name it was sent with (a hard link, made once); the OS picks an app by it."""
    blob = blob_path(root, sha256)
    named = blob.with_name(safe_filename(filename))
    if not named.exists():
        try:
            os.link(blob, named)
        except FileExistsError:
            pass
        except OSError:  # no hard links here (some network drives): a copy is fine for read-only use
            shutil.copyfile(blob, named)
    return named


def store_blob(root: Path, data: bytes, sha256: str | None = None) -> tuple[str, bool]:
    """Stores ``data`` once; returns (sha256, whether it was new). Verifies a given digest."""
    digest = sha256_of(data)
    if sha256 is not None and sha256 != digest:
        raise ValueError("attachment bytes do not match their digest")
    path = blob_path(root, digest)
    if path.exists() and path.stat().st_size == len(data):
        return digest, False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest, True
