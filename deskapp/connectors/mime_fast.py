"""The fast way through deskapp.connectors.mime: MIME bodies split and decoded by fast-mail-parser (Rust's
mail-parser), headers read by mime's own code, for the well-formed mail that is nearly all of a mailbox.

``parse_fast`` gives the same ParsedMail the stdlib path gives, or None for anything it is not sure of
(raw 8-bit headers, forwarded or bounced messages, broken boundaries, odd charsets or file names...):
mime.parse_message then takes the stdlib path, which has a fallback for every kind of damage. The
stdlib's multipart parsing (a regex compiled per boundary, a line-by-line feed) was most of an import.
"""

from __future__ import annotations

import logging
import re

from deskapp.connectors import mime
from deskapp.connectors.mime import MailPart, ParsedMail

log = logging.getLogger(__name__)

try:  # a wheel for every platform deskapp ships on; without it every message takes the stdlib path
    import fast_mail_parser
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    fast_mail_parser = None  # type: ignore[assignment]
    log.warning("fast-mail-parser is missing: mail is parsed by the stdlib alone (about 4x slower)")
_MAX_DEPTH = 20  # as the stdlib walker: crafted nesting goes to the stdlib path, which keeps what it can
_CHARSET = re.compile(r""";\s*charset\s*=\s*(?:"([^"]*)"|([^\s;"]+))""", re.IGNORECASE)
# Parameters the Rust parser and the stdlib may read differently: RFC 2231 continuations and
# encodings (name*0*=, filename*=), encoded words and escapes in parameters.
_TRICKY_PARAMS = re.compile(r"\*\s*=|\*\d|=\?|\\")


class _Unsure(Exception):
    """This message is left to the stdlib path."""


def available() -> bool:
    return fast_mail_parser is not None


def _header(part, name: str) -> str | None:
    values = part.headers.get(name)
    if values is None:  # header names keep the case they were written in
        lowered = name.lower()
        values = next((v for k, v in part.headers.items() if k.lower() == lowered), None)
    if not values:
        return None
    if len(values) > 1:
        raise _Unsure(f"{name} given twice")
    return values[0]


def _charset(part) -> str | None:
    content_type = _header(part, "Content-Type") or ""
    match = _CHARSET.search(content_type)
    return (match.group(1) if match.group(1) is not None else match.group(2)) if match else None


def _text(part) -> str:
    """As the stdlib's get_content(): the declared charset (ASCII when none), bytes that do not fit it
    replaced; then, when some were, the bytes guessed again (mime.decode_bytes)."""
    data = part.content or b""
    charset = _charset(part)
    try:
        text = data.decode(charset or "ascii", "replace")
    except LookupError:
        text = "\ufffd"
    return text if "\ufffd" not in text else mime.decode_bytes(data, charset)


def _content_type(part) -> str:
    ctype = (part.content_type or "").lower()
    if ctype.count("/") != 1 or " " in ctype:
        raise _Unsure(f"content type {ctype!r}")
    return ctype


def _filename(part) -> str:
    for header in ("Content-Disposition", "Content-Type"):
        value = _header(part, header) or ""
        if _TRICKY_PARAMS.search(value) or not value.isascii():
            raise _Unsure(f"parameters of {header}")
    if not part.filename and _header(part, "Content-Location"):
        raise _Unsure("a name only in Content-Location")
    return re.sub(r"[\x00-\x1f/\\]", "_", part.filename.strip().strip('"'))


def _content_id(part) -> str | None:
    value = _header(part, "Content-ID") or ""
    if "=?" in value:
        raise _Unsure("an encoded Content-ID")
    return mime.collapse_space(value) or None


class _Walker(mime.PartCollector):
    """mime._Walker's choices over fast-mail-parser's tree."""

    def part_type(self, part) -> str:
        return _content_type(part)

    def walk(self, part, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            raise _Unsure("deep nesting")
        ctype = _content_type(part)
        if part.is_message or ctype.startswith("message/") or ctype in ("multipart/report", "multipart/digest"):
            raise _Unsure(ctype)  # forwards, bounces and digests: quoted and kept whole by the stdlib path
        if ctype.startswith("multipart/"):
            if not part.children:
                raise _Unsure("a multipart without parts")
            if ctype == "multipart/alternative":
                self._alternative(part.children, depth)
            else:
                for child in part.children:
                    self.walk(child, depth + 1)
            return
        if part.children:
            raise _Unsure("a leaf with parts")
        self._leaf(part, ctype)

    def _leaf(self, part, ctype: str) -> None:
        disposition = (part.disposition or "").lower()
        name = _filename(part)
        if ctype.startswith("text/") and disposition != "attachment" and not (name and ctype != "text/plain"):
            (self.htmls if ctype == "text/html" else self.texts).append(_text(part))
            return
        if ctype == "text/rfc822-headers":
            raise _Unsure(ctype)
        data = part.content or b""
        if data or name:
            inline = disposition == "inline" or (not disposition and ctype.startswith("image/"))
            name = name or f"part-{len(self.attachments) + 1}.{mime.EXTENSIONS.get(ctype, 'bin')}"
            cid = _content_id(part)
            self.attachments.append(MailPart(name, ctype, data, cid, inline))


def _header_block(raw: bytes) -> bytes | None:
    """The header lines up to the first empty line, that line included (CRLF or LF, whichever comes first)."""
    ends = [(end, end + size) for end, size in ((raw.find(b"\r\n\r\n"), 4), (raw.find(b"\n\n"), 2)) if end >= 0]
    return raw[:min(ends)[1]] if ends else None


def parse_fast(raw: bytes) -> ParsedMail | None:
    """The message as mime.parse_message gives it, or None when the stdlib path must read it."""
    if fast_mail_parser is None:
        return None
    block = _header_block(raw)
    if block is None or not block.isascii():
        return None  # raw 8-bit header bytes: their charset is guessed from the body by the stdlib path
    headers = mime.clean_headers(block)
    if headers is None:
        return None
    try:
        tree = fast_mail_parser.parse_email_tree(raw)
        walker = _Walker()
        walker.walk(tree)
    except (_Unsure, fast_mail_parser.ParseError, UnicodeError):
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a panic in the parser (pyo3's PanicException is a BaseException): the stdlib reads it
        log.warning("fast-mail-parser failed on a message; reading it with the stdlib parser", exc_info=True)
        return None
    return mime.assemble(headers, walker.texts, walker.htmls, walker.attachments, defects=0)
