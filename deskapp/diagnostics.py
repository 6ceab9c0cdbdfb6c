"""Logging hygiene and crash reports for bootstrap and the UI: no secret ever reaches a log file.

Secrets are masked two ways: values the secret store has handed out are replaced wherever they
appear, and well-known credential shapes (auth headers, password=...) are masked by pattern, so a
token that slipped into an exception message is still caught.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

from deskapp import __version__

MASK = "«redacted»"
_known_secrets: set[str] = set()
_lock = threading.Lock()
# (pattern, replacement): the key stays so a masked line still makes sense.
_PATTERNS = [
    # Password fields: any value.
    (re.compile(r"(?i)\b(password|passwd|pwd)(['\"]?\s*[:=]\s*['\"]?)([^\s'\",;}]+)"), r"\1\2" + MASK),
    # Bearer credentials: whatever follows the scheme.
    (re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]+)"), r"\1" + MASK),
    # Token-like fields: only values that look like tokens (8+ chars with a digit), so prose such as
    # "secret: not found" stays readable.
    (re.compile(r"(?i)\b(api_access_token|x-shopify-access-token|access_token|token|secret|api_key)"
                r"(['\"]?\s*[:=]\s*['\"]?)(?=[^\s'\",;}]*\d)([^\s'\",;}]{8,})"), r"\1\2" + MASK),
    # IMAP/SMTP authentication exchanges.
    (re.compile(r"(?i)(AUTH(?:ENTICATE)?\s+(?:PLAIN|LOGIN|XOAUTH2)\s+)(\S+)"), r"\1" + MASK),
]


def register_secret(value: str | None) -> None:
    """Remember a secret so every later log line and crash report masks it."""
    if value and len(value) >= 4:
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets in the whole line (message, args and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def write_crash_report(
    log_dir: Path,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
) -> Path:
    """Write a redacted crash report beside the logs and return its path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{threading.get_ident() % 10000}.txt"
    body = "".join(traceback.format_exception(exc_type, exc, tb))
    header = (
        f"deskapp {__version__} crash report\n"
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n"
        f"python: {sys.version.split()[0]} on {platform.platform()}\n"
        f"thread: {threading.current_thread().name}\n\n"
    )
    path.write_text(redact(header + body), encoding="utf-8")
    path.chmod(0o600)
    return path
