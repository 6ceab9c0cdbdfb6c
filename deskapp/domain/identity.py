"""Normalises customer identities (emails, phones) so the same person matches across channels."""

from __future__ import annotations

import phonenumbers

from deskapp.domain.enums import IdentityKind
from deskapp.domain.models import Identity


def normalize_email(value: str) -> str | None:
    """Lower-cased address, or None when it is not an address at all."""
    email = value.strip().strip("<>").lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email:
        return None
    return email


def normalize_phone(value: str, default_region: str | None = None) -> str | None:
    """E.164 (+4915112345678), or None when the number cannot be parsed or is not possible."""
    raw = value.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:"):]
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_identity(value: str) -> Identity | None:
    email = normalize_email(value)
    return Identity(IdentityKind.EMAIL, email) if email else None


def phone_identity(value: str, default_region: str | None = None) -> Identity | None:
    phone = normalize_phone(value, default_region)
    return Identity(IdentityKind.PHONE, phone) if phone else None
