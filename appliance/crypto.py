"""Field encryption, keyed hashes and random tokens. The only module that touches key material.

Field encryption is AES-256-GCM. The associated data binds each ciphertext to its table, column and
row id, so a ciphertext copied to another row or column fails to decrypt instead of showing the
wrong person's data. Layout: version byte, 8-byte key id, 12-byte random nonce, ciphertext+tag.
The key id lets a later key rotation find which key sealed a value.

Keyed hashes are HMAC-SHA256 under a separate key: equal inputs compare equal (de-duplication,
suppression checks, throttle keys) without the plaintext being stored.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12
_KEY_ID_BYTES = 8


class DecryptionError(Exception):
    """A ciphertext did not authenticate: tampered, moved to another row/column, or wrong key."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"appliance-key-id" + key).digest()[:_KEY_ID_BYTES]


def _aad(table: str, column: str, row_id: int | str) -> bytes:
    # Unit separators keep ("a", "bc") and ("ab", "c") apart.
    return f"{table}\x1f{column}\x1f{row_id}".encode()


@dataclass(frozen=True)
class RowLayout:
    width: int
    places: dict[str, tuple[int, bytes]]  # column -> (position, AAD prefix)


class FieldCipher:
    """Encrypts single field values bound to (table, column, row id)."""

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise ValueError("field key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key_id = key_id(key)
        self._prefix = _VERSION + self._key_id

    def encrypt(self, plaintext: str, table: str, column: str, row_id: int | str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _aad(table, column, row_id))
        return _VERSION + self._key_id + nonce + sealed

    def row_layout(self, table: str, columns: tuple[str, ...]) -> RowLayout:
        """Prepare :meth:`encrypt_row` for one table's columns (once per bulk write)."""
        return RowLayout(
            len(columns), {c: (i, f"{table}\x1f{c}\x1f".encode()) for i, c in enumerate(columns)}
        )

    def encrypt_row(
        self, layout: RowLayout, row_id: int | str, values: dict[str, str]
    ) -> list[bytes | None]:
        """Seal ``values`` of one row in the layout's column order (None where a value is
        absent). Same format and AAD as :meth:`encrypt`, without its per-call overhead."""
        aead, prefix, row, places = self._aead, self._prefix, str(row_id).encode(), layout.places
        out: list[bytes | None] = [None] * layout.width
        # One read of the random source per row; each field still gets its own 96-bit nonce.
        nonces = os.urandom(_NONCE_BYTES * len(values))
        offset = 0
        for column, value in values.items():
            place = places.get(column)
            if place is not None and value:
                nonce = nonces[offset : offset + _NONCE_BYTES]
                out[place[0]] = prefix + nonce + aead.encrypt(nonce, value.encode(), place[1] + row)
            offset += _NONCE_BYTES
        return out

    def decrypt(self, blob: bytes, table: str, column: str, row_id: int | str) -> str:
        """Return the plaintext or raise DecryptionError; never returns data that did not verify."""
        where = f"{table}.{column} row {row_id}"
        header = len(_VERSION) + _KEY_ID_BYTES + _NONCE_BYTES
        if not isinstance(blob, bytes | bytearray) or len(blob) < header + 16:
            raise DecryptionError(f"{where}: not a field ciphertext")
        if blob[:1] != _VERSION:
            raise DecryptionError(f"{where}: unknown ciphertext version")
        if blob[1 : 1 + _KEY_ID_BYTES] != self._key_id:
            raise DecryptionError(f"{where}: sealed under another key")
        nonce = blob[1 + _KEY_ID_BYTES : header]
        try:
            plain = self._aead.decrypt(nonce, bytes(blob[header:]), _aad(table, column, row_id))
        except InvalidTag:
            raise DecryptionError(f"{where}: does not authenticate (tampered or moved)") from None
        return plain.decode()


class KeyedHasher:
    """HMAC-SHA256 with its own key; ``domain`` keeps the hashes of different uses apart.

    A pre-keyed HMAC per domain is copied for each value: the same digest as
    ``hmac.new(key, domain + "\\x1f" + value)``, about three times faster on bulk imports.
    """

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise ValueError("hash key must be 32 bytes")
        self._key = key
        self._bases: dict[str, crypto_hmac.HMAC] = {}

    def digest(self, domain: str, value: str) -> bytes:
        base = self._bases.get(domain)
        if base is None:
            base = crypto_hmac.HMAC(self._key, hashes.SHA256())
            base.update(f"{domain}\x1f".encode())
            self._bases[domain] = base
        mac = base.copy()
        mac.update(value.encode())
        return mac.finalize()


def token(nbytes: int = 32) -> str:
    """A URL-safe random token; at least 16 bytes (128 bits)."""
    if nbytes < 16:
        raise ValueError("tokens carry at least 128 bits")
    return secrets.token_urlsafe(nbytes)


def sha256(value: str) -> bytes:
    """Unkeyed digest for high-entropy secrets (session ids, setup codes) stored as lookups."""
    return hashlib.sha256(value.encode()).digest()
