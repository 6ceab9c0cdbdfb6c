"""Identity normalisation: what makes two channel identities the same customer."""

import pytest

from deskapp.domain import IdentityKind
from deskapp.domain.identity import email_identity, normalize_email, normalize_phone, phone_identity


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Anna.Smith@Example.COM ", "anna.smith@example.com"),
    ("<bob@shop.de>", "bob@shop.de"),
    ("not an email", None),
    ("missing@tld", None),
    ("", None),
])
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("+49 151 1234 5678", None, "+4915112345678"),
    ("whatsapp:+4915112345678", None, "+4915112345678"),
    ("0151 12345678", "DE", "+4915112345678"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("12", None, None),
    ("call me", "US", None),
])
def test_normalize_phone(raw, region, expected):
    assert normalize_phone(raw, region) == expected


def test_identity_helpers_tag_the_kind():
    assert email_identity("A@B.io").kind is IdentityKind.EMAIL
    assert phone_identity("+14155552671").value == "+14155552671"
    assert phone_identity("nope") is None
