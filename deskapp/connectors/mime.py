"""Parses real-world RFC 5322/MIME mail (stdlib ``email``, ``policy.default``) into plain values for the
IMAP connector: threading headers, addresses, date, text, raw HTML and attachments.

Nothing here raises on bad input: every header and every part has a fallback (raw bytes decoded
leniently, unknown charsets guessed, bad dates -> None), so one broken message never stops a sync.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import html as html_lib
import quopri
import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

# Charset labels seen in the wild that Python does not know, mapped to what they mean.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "x-sjis": "shift_jis", "shift-jis": "shift_jis",
    "x-euc-jp": "euc_jp", "iso-8859-8-i": "iso-8859-8", "x-mac-roman": "mac_roman", "macintosh": "mac_roman",
    "unicode-1-1-utf-7": "utf-7", "x-user-defined": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252", "x-unknown": "utf-8", "unknown-8bit": "utf-8", "gb2312": "gb18030",
    "gbk": "gb18030", "windows-874": "cp874", "utf8": "utf-8", "iso-2022-jp-ms": "iso2022_jp_ext",
    "cp-850": "cp850", "latin-1": "latin-1", "8bit": "utf-8", "7bit": "utf-8", "default": "utf-8",
}
_MSGID = re.compile(r"<[^<>\s]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class MailAddress:
    name: str
    email: str  # as written, lower-cased; may be "" for broken headers


@dataclass(frozen=True, slots=True)
class MailPart:
    """An attachment (or inline image) with its bytes."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None  # "<id@host>" or None when missing
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: MailAddress | None
    to: tuple[MailAddress, ...]
    cc: tuple[MailAddress, ...]
    reply_to: tuple[MailAddress, ...]
    date: datetime | None  # tz-aware UTC; None when missing or unreadable
    text: str = ""
    html: str = ""
    attachments: tuple[MailPart, ...] = ()
    auto_submitted: bool = False  # bounces, auto-replies, lists: not a human writing
    defects: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def lookup_charset(label: str | None) -> str:
    """A codec name Python knows for a MIME charset label (aliases and guesses included)."""
    name = (label or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes: the declared charset, then UTF-8, then the declared one with a few bad bytes
    replaced (real CJK mail often has one broken sequence), then cp1252; never raises."""
    declared = lookup_charset(charset)
    for candidate in dict.fromkeys((declared, "utf-8")):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    if declared not in ("utf-8", "cp1252"):
        lenient = data.decode(declared, errors="replace")
        if lenient.count("\ufffd") * 100 <= max(1, len(lenient)):
            return lenient
    return data.decode("cp1252", errors="replace")


# A parsed message or part, or a header block's raw values by lower-cased name (raw_header_index).
Headers = Message | dict[str, str]


def _raw_header(msg: Headers, name: str) -> str | None:
    """The header's value without the policy's parsing (8-bit bytes survive as surrogates)."""
    if isinstance(msg, dict):
        return msg.get(name.lower())
    index = msg.__dict__.get("_deskapp_raw")
    if index is None:  # one pass over the headers per message, not one per header asked for
        index = {}
        for key, value in msg.raw_items():
            index.setdefault(key.lower(), value if isinstance(value, str) else str(value))
        msg.__dict__["_deskapp_raw"] = index
    return index.get(name.lower())


_RAW_BYTES = re.compile("[\udc80-\udcff]")


def _has_raw_bytes(value: str) -> bool:
    return _RAW_BYTES.search(value) is not None


def _unsurrogate(value: str, hint: str | None = None) -> str:
    """Raw 8-bit bytes (kept as surrogate escapes by the parser): UTF-8, else the body's charset, else cp1252."""
    if not _has_raw_bytes(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(data, hint or "cp1252")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1).split("*", 1)[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False)
        else:
            data = quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    except (ValueError, binascii.Error):
        return match.group(0)
    return decode_bytes(data, charset)


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words, leniently: unknown charsets guessed, bad padding fixed, others kept as written."""
    if "=?" not in value:
        return value
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub(r"\1\2", value))


def header_text(msg: Headers, name: str, hint: str | None = None) -> str:
    """A header as readable text, with fallbacks for every way it can be broken; "" when absent.

    ``hint`` is the charset to try for raw 8-bit header bytes (usually the body's charset)."""
    raw = _raw_header(msg, name)
    if raw is None:
        return ""
    # Raw 8-bit bytes decoded by us (the policy would make them U+FFFD), then RFC 2047 words, leniently.
    return collapse_space(_decode_words(_unsurrogate(raw, hint)))


def collapse_space(text: str) -> str:
    """A header value on one line, runs of white space as one space."""
    return _SPACE.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


# A mailbox as most mail writes it: "Name Of Words <local@domain>" or a bare "local@domain"; getaddresses
# reads these the same way, at a tenth of the cost.
_PLAIN_MAILBOX = re.compile(r"(?:([A-Za-z0-9]+(?: [A-Za-z0-9]+)*) <)?([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
                            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?(1)>)")


def plain_addresses(raw: str) -> tuple[MailAddress, ...] | None:
    """The addresses of a list of plain mailboxes (as getaddresses reads them), or None for anything else."""
    found = []
    for item in raw.split(","):
        match = _PLAIN_MAILBOX.fullmatch(item.strip())
        if match is None:
            return None
        found.append(MailAddress(match.group(1) or "", match.group(2).lower()))
    return tuple(found)


def _addresses(msg: Headers, name: str, hint: str | None = None) -> tuple[MailAddress, ...]:
    # Split the addresses before decoding names: "=?utf-8?q?Doe,_Jane?=" must stay one name.
    raw = _SPACE.sub(" ", _unsurrogate(_raw_header(msg, name) or "", hint).replace("\r", " ").replace("\n", " "))
    raw = raw.strip()
    if not raw:
        return ()
    plain = plain_addresses(raw)
    return plain if plain is not None else listed_addresses(raw)


def listed_addresses(raw: str) -> tuple[MailAddress, ...]:
    """The addresses of a header's value (one line, not empty) as the stdlib's getaddresses reads them,
    with the names' encoded words decoded and a lone address found even in a broken header."""
    words: list[str] = []

    def hide(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"EncWord{len(words) - 1}X"
    try:
        pairs = getaddresses([_ENCODED_WORD.sub(hide, raw)])
    except Exception:
        pairs = []
    if words:
        pairs = [(re.sub(r"EncWord(\d+)X", lambda m: words[int(m.group(1))], d), a) for d, a in pairs]
    found: list[MailAddress] = []
    for display, addr in pairs:
        addr = addr.strip().strip("<>").lower()
        if "@" not in addr:
            match = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", raw)
            addr = match.group(0).lower() if match and not found else addr
        if addr or display:
            found.append(MailAddress(_decode_words(display).strip().strip('"'), addr))
    if not found:
        match = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", raw)
        found.append(MailAddress("" if match else _decode_words(raw), match.group(0).lower() if match else ""))
    return tuple(found)


def message_ids(value: str) -> tuple[str, ...]:
    """Every <id> in a Message-ID/In-Reply-To/References header, in order, without duplicates."""
    return tuple(dict.fromkeys(_MSGID.findall(value or "")))


def _message_id(msg: Headers, name: str) -> str | None:
    value = _unsurrogate(_raw_header(msg, name) or "")  # raw: the policy mangles obsolete id syntax
    ids = message_ids(value)
    if ids:
        return ids[0]
    loose = re.search(r"<([^<>]+)>", value)  # obsolete syntax: comments and spaces inside the brackets
    if loose:
        compact = re.sub(r"\s+", "", re.sub(r"\([^()]*\)", "", loose.group(1)))
        return f"<{compact}>" if "@" in compact else None
    bare = value.strip()
    return f"<{bare}>" if bare and " " not in bare and "@" in bare else None


def parse_date(value: str) -> datetime | None:
    """A header date as tz-aware UTC, or None when it is missing or nonsense."""
    value = (value or "").strip()
    if not value:
        return None
    uncommented = re.sub(r"\s*:\s*", ":", re.sub(r"\([^()]*\)", "", value)).strip()
    candidates = [value, uncommented, re.sub(r"^[A-Za-z]+,?\s*", "", uncommented)]
    for candidate in candidates:
        try:
            parsed = parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if parsed is None:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            parsed = parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            continue
        if 1900 <= parsed.year <= 2200:
            return parsed
    return None


class _TextOfHtml(HTMLParser):
    """Visible text of an HTML body, for search and previews (the HTML itself is kept raw)."""

    _BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser is lenient, but never let preview text stop an import
        text = html_lib.unescape(re.sub(r"<[^<>]*>", " ", markup))
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):  # None: a multipart, or nothing to decode
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return data


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except Exception:  # unknown charset, broken transfer encoding: decode the bytes ourselves
        content = None
    if isinstance(content, str) and "\ufffd" not in content:
        return _unsurrogate(content)
    # get_content() replaced bytes that do not fit the declared charset: the label lied, so guess again
    charset = part.get_param("charset") if hasattr(part, "get_param") else None
    return decode_bytes(_payload_bytes(part), charset if isinstance(charset, str) else None)


_RAW_NAME = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"([^"]*)"|([^;]*))""", re.IGNORECASE)


def _raw_name(part: Message) -> str:
    """A file name from the raw headers, for what the policy cannot read (unquoted spaces, name==?utf-8?...)."""
    for header in ("Content-Disposition", "Content-Type"):
        raw = _raw_header(part, header)
        match = _RAW_NAME.search(raw.replace("\r", "").replace("\n", "")) if raw else None
        if match:
            return (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return ""


def _filename(part: Message) -> str:
    name = ""
    with contextlib.suppress(Exception):
        name = part.get_filename() or ""
    if not name:
        with contextlib.suppress(Exception):
            param = part.get_param("name")
            name = collapse_rfc2231_value(param) if isinstance(param, tuple) else (param or "")
    raw = _raw_name(part)
    if not name or (raw and " " in raw and raw.startswith(name) and len(raw) > len(name)):
        name = raw
    if not name:
        location = _raw_header(part, "Content-Location") or ""
        name = location.strip().rsplit("/", 1)[-1]
    name = _decode_words(_unsurrogate(str(name))).strip().strip('"')
    return re.sub(r"[\x00-\x1f/\\]", "_", name)


def _content_type(part: Headers) -> str:
    if isinstance(part, dict):  # as Message.get_content_type() reads the header
        ctype = (part.get("content-type") or "text/plain").split(";", 1)[0].strip().lower()
        return ctype if ctype.count("/") == 1 else "text/plain"
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


EXTENSIONS = {"text/plain": "txt", "text/html": "html", "message/rfc822": "eml", "image/png": "png",
               "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf"}


_BOUNDARY_PARAM = re.compile(r"""boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))""", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)


def _repair_multipart(part: Message, ctype: str) -> Message | None:
    """A multipart whose boundary the policy could not read (unquoted "=", folded oddly): re-parse it
    with the boundary from the raw header, or the first "--token" line of the body."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    body = payload.encode("utf-8", "surrogateescape")
    candidates = []
    match = _BOUNDARY_PARAM.search((_raw_header(part, "Content-Type") or "").replace("\n", " "))
    if match:
        candidates.append((match.group(1) or match.group(2)).encode("utf-8", "surrogateescape"))
    line = _BOUNDARY_LINE.search(body)
    if line:
        candidates.append(line.group(1))
    for boundary in candidates:
        if b"--" + boundary in body and b'"' not in boundary:
            header = b"Content-Type: " + ctype.encode() + b'; boundary="' + boundary + b'"\r\n\r\n'
            repaired = _parse(header + body)
            if repaired.is_multipart():
                return repaired
    return None


class PartCollector:
    """What a walk over a MIME tree keeps: texts, HTML bodies and attachments. Both parsers' walkers share its
    rule for multipart/alternative; each says how to read a part's content type and how to walk a part."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[MailPart] = []

    def part_type(self, part: Any) -> str:
        raise NotImplementedError

    def walk(self, part: Any, depth: int = 0) -> None:
        raise NotImplementedError

    def _alternative(self, children: list[Any], depth: int) -> None:
        # Keep one text and one HTML; other alternatives (calendar, amp) are walked as usual.
        before_text, before_html = len(self.texts), len(self.htmls)
        for child in children:
            ctype = self.part_type(child)
            if ctype == "text/plain" and len(self.texts) > before_text:
                continue
            if ctype == "text/html" and len(self.htmls) > before_html:
                continue
            self.walk(child, depth + 1)


class _Walker(PartCollector):
    def part_type(self, part: Message) -> str:
        return _content_type(part)

    def attach(self, part: Message, data: bytes, ctype: str, inline: bool = False, name: str | None = None) -> None:
        name = (name if name is not None else _filename(part)) or (
            f"part-{len(self.attachments) + 1}.{EXTENSIONS.get(ctype, 'bin')}")
        cid = header_text(part, "Content-ID").strip() or None
        self.attachments.append(MailPart(name, ctype, data, cid, inline))

    def walk(self, part: Message, depth: int = 0) -> None:
        ctype = _content_type(part)
        if depth > 20:  # crafted nesting: keep what we have
            return
        if ctype.startswith("multipart/") and not part.is_multipart():
            repaired = _repair_multipart(part, ctype)
            if repaired is not None:
                self.walk(repaired, depth + 1)
            else:  # no usable boundary at all: whatever is there is the text
                self.texts.append(_unsurrogate(str(part.get_payload() or "")))
            return
        if part.is_multipart():
            payload = part.get_payload()
            children = [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []
            if ctype == "message/rfc822":
                self._nested_message(part, children, depth)
            elif ctype == "multipart/alternative":
                self._alternative(children, depth)
            else:
                for child in children:
                    self.walk(child, depth + 1)
            return
        self._leaf(part, ctype)

    def _leaf(self, part: Message, ctype: str) -> None:
        disposition = _disposition(part)
        name = _filename(part)
        has_name = bool(name)
        if ctype.startswith("text/") and disposition != "attachment" and not (has_name and ctype != "text/plain"):
            if ctype == "text/html":
                self.htmls.append(_part_text(part))
            else:
                self.texts.append(_part_text(part))
            return
        if ctype in ("message/delivery-status", "message/disposition-notification", "text/rfc822-headers"):
            self.texts.append(decode_bytes(_payload_bytes(part)))
            return
        data = _payload_bytes(part)
        if data or has_name:
            inline = disposition == "inline" or (not disposition and ctype.startswith("image/"))
            self.attach(part, data, ctype, inline=inline, name=name)

    def _nested_message(self, part: Message, children: list[Message], depth: int) -> None:
        """A forwarded or bounced message: kept whole as an .eml attachment, its text quoted in ours."""
        if not children:
            data = _payload_bytes(part)
            if data:
                self.attach(part, data, "message/rfc822")
            return
        inner = children[0]
        try:
            data = inner.as_bytes(policy=policy.SMTP)
        except Exception:
            data = inner.as_bytes(policy=policy.compat32)
        nested = _Walker()
        nested.walk(inner, depth + 1)
        inner_text = "\n\n".join(t.strip("\n") for t in nested.texts if t.strip()) or html_to_text(
            "\n".join(nested.htmls))
        if inner_text:
            self.texts.append(f"---------- Forwarded message ----------\n{inner_text}")
        self.attachments.extend(nested.attachments)
        subject = header_text(inner, "Subject")
        name = _filename(part) or f"{(subject or 'message')[:60].strip()}.eml"
        self.attachments.append(MailPart(re.sub(r"[\x00-\x1f/\\]", "_", name), "message/rfc822", data))


_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:")


def _repair_header_block(raw: bytes) -> bytes:
    """Drop lines that are neither headers nor continuations, and "Name  :" spacing, so the real body
    is not swallowed into the headers (or the headers into the body)."""
    head, sep, body = raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
    kept = []
    for line in head.splitlines(keepends=True):
        match = _HEADER_LINE.match(line)
        if match:
            kept.append(match.group(1) + b":" + line[match.end():])
        elif line[:1] in (b" ", b"\t") and kept:
            kept.append(line)
    return b"".join(kept) + sep + body


class _LazyHeader(str):
    """A header value as plain text; the policy's structured header is built only if it must be folded.

    policy.default builds a structured header object (and a new class) on every header read, which
    made parsing cost ~8 ms a message; we read headers as text and decode them ourselves (below)."""

    name: str

    def __new__(cls, name: str, value: str) -> _LazyHeader:
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: policy.EmailPolicy) -> str:
        return policy.header_factory(self.name, str(self)).fold(policy=policy)


def _lazy_header(name: str, value: str) -> _LazyHeader:
    return _LazyHeader(name, value)


# policy.default's parsing (line ends, defects, content manager, SMTP output), with text headers.
_POLICY = policy.default.clone(header_factory=_lazy_header)


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=_POLICY).parsebytes(raw)  # type: ignore[return-value]


def _charset_hint(msg: Message) -> str | None:
    """The first charset the message declares: the best guess for raw 8-bit bytes in its headers."""
    if not any(isinstance(v, str) and _has_raw_bytes(v) for _k, v in msg.raw_items()):
        return None  # only raw 8-bit header bytes need a hint
    try:
        for part in msg.walk():
            charset = part.get_param("charset")
            if isinstance(charset, str) and charset.lower() not in ("us-ascii", "ascii"):
                return charset
    except Exception:  # noqa: S110 - a broken part only costs us the hint
        pass
    return None


def parse_message(raw: bytes, *, fast: bool = True) -> ParsedMail:
    """Everything the app keeps of one message, from its raw bytes. Never raises.

    Well-formed mail goes the fast way (mime_fast); the rest, or everything with ``fast=False``, the stdlib's."""
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if fast:
        from deskapp.connectors.mime_fast import parse_fast  # here: that module builds on this one

        parsed = parse_fast(raw)
        if parsed is not None:
            return parsed
    msg = _parse(raw)
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        msg = _parse(_repair_header_block(raw))
    walker = _Walker()
    try:
        walker.walk(msg)
    except Exception:  # a structure no branch expected: keep the whole body as text
        walker.texts.append(decode_bytes(raw.split(b"\n\n", 1)[-1]))
    return assemble(parse_headers_of(msg, _charset_hint(msg)), walker.texts, walker.htmls, walker.attachments,
                    defects=_count_defects(msg))


def assemble(headers: ParsedHeaders, texts: list[str], htmls: list[str], attachments: list[MailPart], *,
             defects: int) -> ParsedMail:
    """The ParsedMail of these headers and of the texts, HTML bodies and attachments found walking the parts."""
    text = "\n\n".join(t.strip("\r\n") for t in texts if t and t.strip())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    html = "\n".join(h for h in htmls if h and h.strip())
    if not text and html:
        text = html_to_text(html)
    return ParsedMail(**{f.name: getattr(headers, f.name) for f in fields(headers)}, text=text, html=html,
                      attachments=tuple(attachments), defects=defects)


_FIELD_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+:")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]|\r(?!\n)")


def raw_header_index(block: bytes) -> dict[str, str] | None:
    """The raw value of each header of a plain ASCII header block, by lower-cased name (the first of each,
    as the stdlib parser gives them); None when a line is neither a field nor a continuation."""
    if not block.isascii():
        return None
    text = block.decode("ascii")
    if _CONTROL.search(text):
        return None
    index: dict[str, str] = {}
    name, value = "", ""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith("From "):  # an mbox envelope line, not a header (as the stdlib reads it)
        del lines[0]
    for line in lines:
        if line[:1] in (" ", "\t") and name:
            value += line
            continue
        if name:
            index.setdefault(name.lower(), value.rstrip("\r\n"))
            name = ""
        if line in ("\r\n", "\n"):
            break
        match = _FIELD_NAME.match(line)
        if match is None:
            return None
        name, value = line[:match.end() - 1], line[match.end():].lstrip(" \t")
    if name:
        index.setdefault(name.lower(), value.rstrip("\r\n"))
    return index


def clean_headers(block: bytes) -> ParsedHeaders | None:
    """The headers of a plain ASCII header block, or None when it needs the stdlib's repairs (for mime_fast)."""
    index = raw_header_index(block)
    return None if index is None else parse_headers_of(index)


def _count_defects(msg: Message) -> int:
    try:
        return sum(len(getattr(part, "defects", ())) for part in msg.walk())
    except Exception:
        return 1


@dataclass(frozen=True, slots=True)
class ParsedHeaders:
    """What threading and the conversation list need, from the header block alone (headers-first sync)."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: MailAddress | None
    to: tuple[MailAddress, ...]
    cc: tuple[MailAddress, ...]
    reply_to: tuple[MailAddress, ...]
    date: datetime | None
    auto_submitted: bool


def parse_headers_of(msg: Headers, hint: str | None = None) -> ParsedHeaders:
    senders = _addresses(msg, "From", hint) or _addresses(msg, "Sender", hint)
    references = message_ids(_unsurrogate(_raw_header(msg, "References") or ""))
    in_reply_to = _message_id(msg, "In-Reply-To")
    auto = (header_text(msg, "Auto-Submitted").lower() not in ("", "no")
            or header_text(msg, "Precedence").lower() in ("bulk", "junk", "list")
            or bool(header_text(msg, "X-Autoreply")) or _content_type(msg) == "multipart/report")
    return ParsedHeaders(
        message_id=_message_id(msg, "Message-ID"),
        in_reply_to=in_reply_to,
        references=references,
        subject=header_text(msg, "Subject", hint),
        sender=senders[0] if senders else None,
        to=_addresses(msg, "To", hint),
        cc=_addresses(msg, "Cc", hint),
        reply_to=_addresses(msg, "Reply-To", hint),
        date=parse_date(header_text(msg, "Date")),
        auto_submitted=auto,
    )


def parse_headers(raw_headers: bytes, *, fast: bool = True) -> ParsedHeaders:
    """Headers only (an IMAP ``BODY.PEEK[HEADER]`` fetch). Never raises.

    A plain ASCII header block is read straight from its lines; the rest (or everything with ``fast=False``)
    by the stdlib parser, which repairs what it can."""
    index = raw_header_index(raw_headers) if fast else None
    if index is not None:
        return parse_headers_of(index)
    msg = _parse(raw_headers if raw_headers.endswith(b"\n") else raw_headers + b"\n")
    if any(isinstance(d, errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
        msg = _parse(_repair_header_block(raw_headers))
    return parse_headers_of(msg, _charset_hint(msg))
