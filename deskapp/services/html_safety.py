"""Sanitizes customer HTML (nh3) for the thread view: no script, no forms, no remote fetch unless allowed.

The UI renders stored HTML only through ``sanitize_html``. Remote content (tracking pixels, CSS
``url()``, ``srcset``, ``background=``) is dropped unless the agent allows it for that message or
sender (``allow_remote=True``); inline ``data:`` images and ``cid:`` parts of the message stay.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from functools import lru_cache

import nh3

# Tags whose content is never text a reader wants, dropped with their content.
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed", "noframes",
    "svg", "math", "template", "title", "head", "select", "textarea", "button", "audio", "video",
})
# Everything email authors use for layout; nothing that loads, submits or runs anything.
_TAGS = (set(nh3.ALLOWED_TAGS) | {"font", "tfoot", "section", "main", "label", "big"}) - {"area", "map"}
_COMMON_ATTRIBUTES = {"style", "title", "dir", "lang", "align", "valign", "width", "height", "bgcolor"}
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": _COMMON_ATTRIBUTES,
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "summary", "background"},
    "td": {"colspan", "rowspan", "nowrap", "background", "headers", "scope"},
    "th": {"colspan", "rowspan", "nowrap", "background", "headers", "scope"},
    "tr": {"background"},
    "div": {"background"},
    "img": {"src", "alt", "border", "hspace", "vspace"},
    "a": {"href", "name", "target"},
    "ol": {"start", "type"},
    "ul": {"type"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpe?g|webp|bmp);", re.IGNORECASE)
_REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
# CSS escapes (\75 rl) and comments can hide url( from a naive check: decode before looking.
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}\s?|.)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_DANGER = re.compile(r"expression|javascript:|vbscript:|behavior|-moz-binding|@import|image-set|image\(",
                         re.IGNORECASE)
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_STYLE_PROPERTIES = frozenset({
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "font-variant", "text-align", "text-decoration", "text-indent", "text-transform", "line-height",
    "letter-spacing", "word-spacing", "white-space", "vertical-align", "direction",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "width", "height", "max-width", "min-width", "max-height", "min-height",
    "display", "float", "clear", "list-style-type", "table-layout", "text-wrap", "overflow-wrap", "word-break",
})
_REMOTE_STYLE_PROPERTIES = frozenset({"background", "background-image", "list-style-image", "list-style"})


# html5ever's tree work grows with the square of nesting depth: deeper than this, extra tags go.
_MAX_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")  # [^<>]: no rescans on a run of "<"
_NOT_NESTING = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    "p", "li", "td", "th", "tr", "dt", "dd", "option",  # auto-closed by their next sibling
})


def _limit_nesting(html: str) -> str:
    """Drop opening tags (and their closers) nested deeper than _MAX_DEPTH; text is kept."""
    depth = 0
    excess: dict[str, int] = {}

    def keep_or_drop(match: re.Match[str]) -> str:
        nonlocal depth
        closing, name = match.group(1), match.group(2).lower()
        if name in _NOT_NESTING or match.group(0).endswith("/>"):
            return match.group(0)
        if closing:
            if excess.get(name):
                excess[name] -= 1
                return ""
            depth = max(0, depth - 1)
            return match.group(0)
        if depth >= _MAX_DEPTH:
            excess[name] = excess.get(name, 0) + 1
            return ""
        depth += 1
        return match.group(0)

    return _TAG.sub(keep_or_drop, html)


# A rich newsletter has a few thousand tags; past this the markup is an attack or garbage, shown as text.
_MAX_TAGS = 100_000
_INVISIBLE_OPEN = re.compile(r"<(script|style|head|title|template|svg|math)\b", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")


def _without_invisible_blocks(markup: str) -> str:
    """Cut script/style/... blocks; an unclosed one cuts the rest. Each search starts past the last: linear."""
    lower, parts, pos = markup.lower(), [], 0
    while (opener := _INVISIBLE_OPEN.search(markup, pos)) is not None:
        parts.append(markup[pos:opener.start()])
        closer = lower.find(f"</{opener.group(1).lower()}", opener.end())
        if closer < 0:
            return "".join(parts)
        end = lower.find(">", closer)
        pos = len(markup) if end < 0 else end + 1
    parts.append(markup[pos:])
    return "".join(parts)


def _as_text(markup: str) -> str:
    """The visible text of pathological markup as one escaped, pre-wrapped block (linear time)."""
    text = _ANY_TAG.sub(" ", _without_invisible_blocks(markup))
    text = html_lib.escape(html_lib.unescape(text), quote=False)
    return f'<pre style="white-space: pre-wrap">{text}</pre>'


def _decode_css(value: str) -> str:
    def unescape(match: re.Match[str]) -> str:
        body = match.group(1)
        if re.fullmatch(r"[0-9a-fA-F]{1,6}\s?", body):
            code = int(body.strip(), 16)
            return chr(code) if 0 < code < 0x110000 else ""
        return body
    return _CSS_ESCAPE.sub(unescape, _CSS_COMMENT.sub("", value))


@lru_cache(maxsize=4096)  # mail repeats the same inline styles on every cell
def _clean_style(value: str, allow_remote: bool) -> str | None:
    """Keep only known-harmless declarations; url() survives only when remote content is allowed."""
    kept = []
    for declaration in _decode_css(value).split(";"):
        name, colon, rest = declaration.partition(":")
        name = name.strip().lower()
        if not colon or not name or _CSS_DANGER.search(rest) or "\\" in rest or "<" in rest:
            continue
        urls = _CSS_URL.findall(rest)
        if urls or "url" in rest.lower():
            if not allow_remote or name not in _REMOTE_STYLE_PROPERTIES:
                continue
            if not urls or not all(re.match(r"https?://", u, re.IGNORECASE) for u in urls):
                continue
        elif name not in _STYLE_PROPERTIES and name not in _REMOTE_STYLE_PROPERTIES:
            continue
        kept.append(f"{name}: {rest.strip()}")
    return "; ".join(kept) if kept else None


def _clean_src(value: str, allow_remote: bool) -> str | None:
    url = value.strip()
    lower = url.lower()
    if lower.startswith("cid:") or _SAFE_DATA_IMAGE.match(url):
        return url
    if allow_remote and _REMOTE.match(url) and not lower.startswith("//"):
        return url
    return None


def _filter(allow_remote: bool) -> Callable[[str, str, str], str | None]:
    def attribute_filter(tag: str, name: str, value: str) -> str | None:
        if name == "style":
            return _clean_style(value, allow_remote)
        if name == "src":
            return _clean_src(value, allow_remote) if tag == "img" else None
        if name == "background":
            url = value.strip()
            return url if allow_remote and re.match(r"https?://", url, re.IGNORECASE) else None
        if name == "href":
            return value if value.strip().lower().startswith(_LINK_SCHEMES) else None
        if name == "target":
            return "_blank"
        return value
    return attribute_filter


@lru_cache(maxsize=2)
def _cleaner(allow_remote: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_TAGS,
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        attribute_filter=_filter(allow_remote),
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_schemes=_URL_SCHEMES,
        url_relative="deny",  # a relative or protocol-relative URL resolves to somewhere we do not know
    )


def sanitize_html(html: str, *, allow_remote: bool = False) -> str:
    """Safe HTML to render: scripts, handlers, frames, forms and (unless ``allow_remote``) remote loads gone."""
    if not html:
        return ""
    if "\x00" in html:
        html = html.replace("\x00", "")
    tags = html.count("<")
    if tags > _MAX_TAGS:
        return _as_text(html)
    if tags > _MAX_DEPTH:
        html = _limit_nesting(html)
    return _cleaner(allow_remote).clean(html)
