"""Value checks of single settings (``appliance.settings`` declares which setting uses which).
Each returns None for a good value, else the end of a sentence that names the problem."""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.licence.document import public_key_from_text


def check_base_url(value: str) -> str | None:
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an absolute http:// or https:// URL, e.g. https://survey.example.nl"
    if parts.query or parts.fragment:
        return "must not contain a query or fragment"
    return None


def check_timezone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return "is not a known IANA time zone, e.g. Europe/Amsterdam"
    return None


def check_licence_key(value: str) -> str | None:
    if value == "":
        return None
    try:
        public_key_from_text(value)
    except ValueError as exc:
        return f"is {exc}"
    return None


def check_mail_address(value: str) -> str | None:
    """Empty, or one address, optionally with a display name ("Name <a@b.nl>")."""
    if value == "":
        return None
    name, address = parseaddr(value)
    if "\n" in value or "\r" in value or "@" not in address or " " in address:
        return 'must be an e-mail address, optionally with a name: "Name <a@example.nl>"'
    return None


def check_dkim_key(value: str) -> str | None:
    """Empty, or a readable PEM file with an RSA private key."""
    if value == "":
        return None
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(Path(value).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        return f"cannot read a PEM private key from {value}: {exc}"
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 1024:
        return "must be an RSA private key of at least 1024 bits (2048 recommended)"
    return None


def check_clock_time(value: str) -> str | None:
    """Empty (switched off), or a local time of day as HH:MM."""
    if value == "" or re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        return None
    return 'must be a time of day as HH:MM (24 hours), e.g. "02:30", or empty for off'
