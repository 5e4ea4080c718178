"""Unsubscribe links: an opaque signed token naming the keyed hash of an address (never the
address) and the language to answer in. The signature keeps anyone from unsubscribing someone
else; the token has no expiry, as an unsubscribe link must keep working."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "unsubscribe"


def token_for(secret: bytes, address_hash: bytes, language: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([address_hash.hex(), language])


def read(secret: bytes, token: str) -> tuple[bytes, str] | None:
    """(address hash, language), or None for a token that was not made here."""
    try:
        hex_hash, language = URLSafeSerializer(secret, salt=SALT).loads(token)
        return bytes.fromhex(hex_hash), str(language)
    except (BadSignature, ValueError, TypeError):
        return None
