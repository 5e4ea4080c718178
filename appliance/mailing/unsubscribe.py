"""Unsubscribe links: an opaque signed token naming the keyed hash of an address (never the
address) and the language to answer in. The signature (HMAC-SHA256 by itsdangerous' Signer)
keeps anyone from unsubscribing someone else; the token has no expiry, as an unsubscribe link
must keep working.

Format: base64url(32-byte address hash [+ generation byte] + language) "." signature. A compact
payload, signed without JSON or compression, because one is made for every message of a campaign.
The generation byte (the number of hash keys, see ``crypto.KeyedHasher``) is there once keys have
been rotated: a link mailed before a rotation holds a hash the page must bring forward. Links
without it are generation 1; language codes are letters, so the two forms cannot be confused.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib

from itsdangerous import BadSignature, Signer

SALT = "unsubscribe"
HASH_BYTES = 32


@functools.lru_cache(maxsize=4)
def _signer(secret: bytes) -> Signer:
    return Signer(secret, salt=SALT, digest_method=hashlib.sha256)


def token_for(secret: bytes, address_hash: bytes, language: str, generation: int = 1) -> str:
    marker = bytes([generation]) if generation > 1 else b""
    payload = base64.urlsafe_b64encode(address_hash + marker + language.encode()).rstrip(b"=")
    return _signer(secret).sign(payload).decode()


def read(secret: bytes, token: str) -> tuple[bytes, str, int] | None:
    """(address hash, language, hash-key generation), or None for a token not made here."""
    try:
        payload = _signer(secret).unsign(token.encode())
        raw = base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4))
    except (BadSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) <= HASH_BYTES:
        return None
    rest, generation = raw[HASH_BYTES:], 1
    if rest[0] < 0x20:
        rest, generation = rest[1:], rest[0]
    return raw[:HASH_BYTES], rest.decode("ascii", "replace"), generation
