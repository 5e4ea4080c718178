"""Field encryption, keyed hashes and random tokens. The only module that touches key material.

Field encryption is AES-256-GCM. The associated data binds each ciphertext to its table, column and
row id, so a ciphertext copied to another row or column fails to decrypt instead of showing the
wrong person's data. Layout: version byte, 8-byte key id, 12-byte random nonce, ciphertext+tag.
The key id says which key sealed a value: a cipher holding the previous key too (during a key
rotation) picks the right one, and a rotation can tell which values it has already re-sealed.

Keyed hashes are HMAC-SHA256 under a separate key: equal inputs compare equal (de-duplication,
suppression checks, throttle keys) without the plaintext being stored. A stored keyed hash cannot
be recomputed under a new key (only the hash is kept), so the hash key is a chain: each rotation
appends a key and wraps every stored digest once more, ``HMAC(k_new, digest)``; a digest computed
afresh runs through the whole chain and so equals the wrapped one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
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
    prefixes: tuple[bytes, ...] = ()  # AAD prefix of each column, in column order


class FieldCipher:
    """Encrypts single field values bound to (table, column, row id).

    ``previous`` keys only decrypt (the value's key id picks the key): a process that meets
    values sealed under the key a rotation is replacing still reads them."""

    def __init__(self, key: bytes, previous: Sequence[bytes] = ()):
        if len(key) != KEY_BYTES or any(len(k) != KEY_BYTES for k in previous):
            raise ValueError("field key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key_id = key_id(key)
        self._prefix = _VERSION + self._key_id
        self._by_id = {key_id(k): AESGCM(k) for k in previous}
        self._by_id[self._key_id] = self._aead

    @property
    def key_id(self) -> bytes:
        return self._key_id

    def encrypt(self, plaintext: str, table: str, column: str, row_id: int | str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _aad(table, column, row_id))
        return _VERSION + self._key_id + nonce + sealed

    def row_layout(self, table: str, columns: tuple[str, ...]) -> RowLayout:
        """Prepare :meth:`encrypt_row` and :meth:`encrypt_values` for one table's columns (once
        per bulk write)."""
        prefixes = tuple(f"{table}\x1f{c}\x1f".encode() for c in columns)
        places = {
            c: (i, prefix) for i, (c, prefix) in enumerate(zip(columns, prefixes, strict=True))
        }
        return RowLayout(len(columns), places, prefixes)

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

    def encrypt_values(
        self, layout: RowLayout, row_id: int | str, values: Sequence[str | None]
    ) -> list[bytes | None]:
        """Seal one row's ``values``, given in the layout's column order, into that order (None
        where a value is None or empty). Same bytes and AAD as :meth:`encrypt_row`; the row
        needs no dict, so a bulk writer can hold its rows as tuples."""
        aead, prefix, row = self._aead, self._prefix, str(row_id).encode()
        nonces = os.urandom(_NONCE_BYTES * layout.width)
        out: list[bytes | None] = []
        offset = 0
        for aad, value in zip(layout.prefixes, values, strict=True):
            if value:
                nonce = nonces[offset : offset + _NONCE_BYTES]
                out.append(prefix + nonce + aead.encrypt(nonce, value.encode(), aad + row))
            else:
                out.append(None)
            offset += _NONCE_BYTES
        return out

    def decrypt(self, blob: bytes, table: str, column: str, row_id: int | str) -> str:
        """Return the plaintext or raise DecryptionError; never returns data that did not verify."""
        return self._plain(blob, table, column, row_id).decode()

    def reseal(
        self, blob: bytes, table: str, column: str, row_id: int | str, old: FieldCipher
    ) -> bytes:
        """``blob`` (sealed by ``old``, or already by this cipher) sealed under this cipher's
        key with the same associated data; raises DecryptionError when it does not verify."""
        if blob[1 : 1 + _KEY_ID_BYTES] == self._key_id:
            return bytes(blob)
        plain = old._plain(blob, table, column, row_id)
        nonce = os.urandom(_NONCE_BYTES)
        return self._prefix + nonce + self._aead.encrypt(nonce, plain, _aad(table, column, row_id))

    def resealer(
        self, old: FieldCipher, table: str, column: str
    ) -> Callable[[bytes, object], bytes]:
        """:meth:`reseal` for one column in bulk (a key rotation): the associated data's prefix
        is built once and nonces are drawn from the random source in blocks."""
        aad_prefix = f"{table}\x1f{column}\x1f".encode()
        header = len(_VERSION) + _KEY_ID_BYTES + _NONCE_BYTES
        old_aead, new_aead, prefix = old._aead, self._aead, self._prefix
        expected = _VERSION + old._key_id
        nonces = _Nonces()

        def reseal(blob: bytes, row_id: object) -> bytes:
            if blob[: 1 + _KEY_ID_BYTES] != expected or len(blob) < header + 16:
                return self.reseal(blob, table, column, row_id, old)  # done, or the right error
            aad = aad_prefix + str(row_id).encode()
            try:
                plain = old_aead.decrypt(blob[1 + _KEY_ID_BYTES : header], blob[header:], aad)
            except InvalidTag:
                raise DecryptionError(
                    f"{table}.{column} row {row_id}: does not authenticate (tampered or moved)"
                ) from None
            nonce = nonces.take()
            return prefix + nonce + new_aead.encrypt(nonce, plain, aad)

        return reseal

    def _plain(self, blob: bytes, table: str, column: str, row_id: int | str) -> bytes:
        header = len(_VERSION) + _KEY_ID_BYTES + _NONCE_BYTES
        if not isinstance(blob, bytes | bytearray) or len(blob) < header + 16:
            raise DecryptionError(f"{table}.{column} row {row_id}: not a field ciphertext")
        if blob[:1] != _VERSION:
            raise DecryptionError(f"{table}.{column} row {row_id}: unknown ciphertext version")
        aead = self._by_id.get(bytes(blob[1 : 1 + _KEY_ID_BYTES]))
        if aead is None:
            raise DecryptionError(f"{table}.{column} row {row_id}: sealed under another key")
        nonce = blob[1 + _KEY_ID_BYTES : header]
        try:
            return aead.decrypt(nonce, bytes(blob[header:]), _aad(table, column, row_id))
        except InvalidTag:
            raise DecryptionError(
                f"{table}.{column} row {row_id}: does not authenticate (tampered or moved)"
            ) from None


class _Nonces:
    """Random 96-bit nonces, read from the random source 4,096 at a time."""

    def __init__(self):
        self._block, self._at = b"", 0

    def take(self) -> bytes:
        if self._at >= len(self._block):
            self._block, self._at = os.urandom(_NONCE_BYTES * 4096), 0
        self._at += _NONCE_BYTES
        return self._block[self._at - _NONCE_BYTES : self._at]


def sealed_by(blob: bytes) -> bytes | None:
    """The key id a field ciphertext names (None for anything else)."""
    if not isinstance(blob, bytes | bytearray) or blob[:1] != _VERSION:
        return None
    return bytes(blob[1 : 1 + _KEY_ID_BYTES])


class KeyedHasher:
    """HMAC-SHA256 under a chain of keys; ``domain`` keeps the hashes of different uses apart.

    ``digest`` = HMAC(k_n, ... HMAC(k_2, HMAC(k_1, domain "\\x1f" value))). With one key (no
    rotation yet) that is exactly ``hmac.new(k_1, domain + "\\x1f" + value)``. A pre-keyed HMAC
    per domain is copied for each value, about three times faster on bulk imports.
    """

    def __init__(self, key: bytes | Sequence[bytes]):
        chain = (bytes(key),) if isinstance(key, bytes | bytearray) else tuple(key)
        if not chain or any(len(k) != KEY_BYTES for k in chain):
            raise ValueError("hash key must be 32 bytes")
        self._chain = chain
        self._key = chain[0]
        self._bases: dict[str, crypto_hmac.HMAC] = {}
        self._outer = [crypto_hmac.HMAC(k, hashes.SHA256()) for k in chain[1:]]

    @property
    def generation(self) -> int:
        """How many keys the chain holds (1 before the first rotation)."""
        return len(self._chain)

    @property
    def chain(self) -> tuple[bytes, ...]:
        return self._chain

    def digest(self, domain: str, value: str) -> bytes:
        base = self._bases.get(domain)
        if base is None:
            base = crypto_hmac.HMAC(self._key, hashes.SHA256())
            base.update(f"{domain}\x1f".encode())
            self._bases[domain] = base
        mac = base.copy()
        mac.update(value.encode())
        digest = mac.finalize()
        for outer in self._outer:
            mac = outer.copy()
            mac.update(digest)
            digest = mac.finalize()
        return digest

    def forward(self, digest: bytes, since: int) -> bytes:
        """A digest made under the first ``since`` keys of this chain, as this chain makes it."""
        for outer in self._outer[since - 1 :]:
            mac = outer.copy()
            mac.update(digest)
            digest = mac.finalize()
        return digest

    def forwarder(self, since: int) -> Callable[[bytes], bytes]:
        """:meth:`forward` for many digests of one generation."""
        outers = self._outer[since - 1 :]

        def forward(digest: bytes) -> bytes:
            for outer in outers:
                mac = outer.copy()
                mac.update(digest)
                digest = mac.finalize()
            return digest

        return forward

    def at(self, generation: int) -> KeyedHasher:
        """The chain as it stood at ``generation`` (its first keys)."""
        if not 1 <= generation <= len(self._chain):
            raise ValueError(f"no hash key generation {generation}")
        return KeyedHasher(self._chain[:generation])

    def seed_digest(self, domain: str, seed: bytes, seed_bytes: int = 16) -> bytes:
        """The digest of a random seed, stable across rotations: a seed that a rotation tagged
        with the generation it was made under (:func:`tag_seed`) is hashed under that chain,
        an untagged one under the whole chain."""
        if len(seed) == seed_bytes + 1:
            return self.at(seed[-1]).digest(domain, seed[:seed_bytes].hex())
        return self.digest(domain, seed.hex())


def tag_seed(seed: bytes, generation: int) -> bytes:
    """What a key rotation stores for an untagged seed made under ``generation``."""
    return seed + bytes([generation])


def token(nbytes: int = 32) -> str:
    """A URL-safe random token; at least 16 bytes (128 bits)."""
    if nbytes < 16:
        raise ValueError("tokens carry at least 128 bits")
    return secrets.token_urlsafe(nbytes)


def sha256(value: str) -> bytes:
    """Unkeyed digest for high-entropy secrets (session ids, setup codes) stored as lookups."""
    return hashlib.sha256(value.encode()).digest()
