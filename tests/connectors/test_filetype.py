"""connectors.filetype: an attachment's media type from the extension, the file or URL name or Chatwoot's coarse
family, and from the first bytes once downloaded; unknown and hostile names give the generic type."""

from __future__ import annotations

import pytest

from deskapp.connectors.filetype import OCTET_STREAM, file_name, guess, is_vague, sniff


@pytest.mark.parametrize(("url", "name"), [
    ("https://hub.example/rails/active_storage/blobs/abc/Invoice%20March.pdf?disposition=attachment",
     "Invoice March.pdf"),
    ("https://hub.example/files/", ""), ("", ""), ("https://hub.example", ""),
    ("https://hub.example/a/%2e%2e%2fetc%2fpasswd", "../etc/passwd"),  # decoded, but only ever a name
])
def test_file_name_is_the_last_segment_decoded(url, name):
    assert file_name(url) == name


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"extension": "pdf"}, "application/pdf"),
    ({"extension": ".PNG"}, "image/png"),
    ({"extension": " jpg ", "filename": "x.pdf"}, "image/jpeg"),  # the service's extension wins
    ({"filename": "Photo.JPEG"}, "image/jpeg"),
    ({"url": "https://hub.example/blobs/x/voice.ogg?x=1"}, "audio/ogg"),
    ({"file_type": "image", "url": "https://hub.example/blobs/x/noext"}, "image/*"),
    ({"file_type": " Audio "}, "audio/*"),
    ({"file_type": "file"}, OCTET_STREAM),
    ({"file_type": "location"}, OCTET_STREAM),
    ({}, OCTET_STREAM),
    ({"extension": "notatype", "filename": "x.unknownsuffix"}, OCTET_STREAM),
])
def test_guess_takes_the_best_hint(kwargs, expected):
    assert guess(**kwargs) == expected


@pytest.mark.parametrize(("head", "kind"), [
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
    (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\0", "image/gif"),
    (b"GIF87a", "image/gif"),
    (b"%PDF-1.7\n", "application/pdf"),
    (b"OggS\0\x02", "audio/ogg"),
    (b"ID3\x04\0", "audio/mpeg"),
    (b"\x1aE\xdf\xa3\x9fB\x86", "video/webm"),
    (b"PK\x03\x04\x14\0", "application/zip"),
    (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
    (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
    (b"\0\0\0\x20ftypM4A \0\0", "audio/mp4"),
    (b"\0\0\0\x20ftypisom\0\0", "video/mp4"),
])
def test_sniff_reads_the_leading_bytes(head, kind):
    assert sniff(head + b"\0" * 64) == kind
    assert sniff(bytearray(head)) == kind


@pytest.mark.parametrize("data", [b"", b"\x89PN", b"hello world, plain text", b"RIFF\0\0\0\0AVI LIST", b"\0" * 4096])
def test_sniff_gives_none_for_unknown_or_short_data(data):
    assert sniff(data) is None


@pytest.mark.parametrize(("stored", "vague"), [
    ("", True), (OCTET_STREAM, True), ("image/*", True), ("audio/*", True),
    ("image/png", False), ("application/pdf", False)])
def test_is_vague(stored, vague):
    assert is_vague(stored) is vague
