"""The encrypted backup file: AES-256-GCM over fixed-size chunks (the STREAM construction of
Hoang, Reyhanitabar, Rogaway and Vizár), so memory stays bounded for a database of any size and
a truncated, reordered or spliced file fails to decrypt.

Layout: a header, then chunks of ``chunk_bytes`` plaintext each (the last one shorter, possibly
empty), each followed by its 16-byte tag. Chunk ``i`` is sealed with nonce ``prefix (7 random
bytes) || i (4 bytes, big-endian) || last (1 byte: 1 for the final chunk, else 0)`` and the whole
header as associated data: changing the header, moving a chunk, or cutting the file after any
chunk makes authentication fail.

Header: ``APPLBAK`` version(1) kdf(1) key_id(8) chunk_log2(1) nonce_prefix(7), then for a
passphrase: salt(16) log2_n(1) r(1) p(1). The key id (a hash of the key, not the key) lets a
restore say "wrong passphrase" or "another key file" before decrypting anything.

Keys: 32 random bytes from a key file (``appliance backup-key``) or scrypt of a passphrase.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"APPLBAK"
VERSION = 1
KDF_KEY_FILE, KDF_SCRYPT = 1, 2
CHUNK_LOG2 = 20  # 1 MiB
TAG_BYTES = 16
PREFIX_BYTES = 7
KEY_BYTES = 32
SALT_BYTES = 16
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1  # about 0.5 s and 128 MiB per derivation
MIN_PASSPHRASE = 16
_BASE = struct.Struct(">7sBB8sB7s")
_SCRYPT = struct.Struct(">16sBBB")


class BackupError(Exception):
    """A backup cannot be written or read; the message says why (never with key material)."""


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"appliance-backup-key" + key).digest()[:8]


@dataclass(frozen=True)
class BackupKey:
    key: bytes
    kdf: int
    salt: bytes = b""
    log2_n: int = SCRYPT_LOG2_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @property
    def key_id(self) -> bytes:
        return _key_id(self.key)

    @classmethod
    def from_file(cls, path: str | Path) -> BackupKey:
        try:
            raw = bytes.fromhex(Path(path).read_text().strip())
        except FileNotFoundError:
            raise BackupError(f"backup key file {path} does not exist") from None
        except (ValueError, UnicodeDecodeError):
            raise BackupError(f"backup key file {path} must hold 64 hex digits") from None
        if len(raw) != KEY_BYTES:
            raise BackupError(f"backup key file {path} must hold 64 hex digits")
        return cls(raw, KDF_KEY_FILE)

    @classmethod
    def from_passphrase(
        cls,
        passphrase: str,
        salt: bytes | None = None,
        log2_n: int | None = None,
        r: int = SCRYPT_R,
        p: int = SCRYPT_P,
    ) -> BackupKey:
        if len(passphrase) < MIN_PASSPHRASE:
            raise BackupError(f"the backup passphrase must be at least {MIN_PASSPHRASE} characters")
        salt = salt if salt is not None else os.urandom(SALT_BYTES)
        log2_n = SCRYPT_LOG2_N if log2_n is None else log2_n
        key = Scrypt(salt=salt, length=KEY_BYTES, n=1 << log2_n, r=r, p=p).derive(
            passphrase.encode()
        )
        return cls(key, KDF_SCRYPT, salt, log2_n, r, p)

    def describe(self) -> dict[str, Any]:
        """For the manifest: how the key is made, never the key."""
        if self.kdf == KDF_KEY_FILE:
            return {"kdf": "key-file", "key_id": self.key_id.hex()}
        return {
            "kdf": "scrypt",
            "n": 1 << self.log2_n,
            "r": self.r,
            "p": self.p,
            "salt": self.salt.hex(),
            "key_id": self.key_id.hex(),
        }


def new_key_file(path: str | Path) -> bytes:
    """Create a backup key file (0600); refuses to overwrite. Returns the key id."""
    key = os.urandom(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists already; not overwriting a key") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.hex().encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return _key_id(key)


def configured_key(
    settings: Mapping[str, Any], key_file: str | None = None, passphrase: str | None = None
) -> BackupKey:
    """The key for a new backup: command-line options first, then the settings."""
    if key_file:
        return BackupKey.from_file(key_file)
    if passphrase is not None:
        return BackupKey.from_passphrase(passphrase)
    if settings.get("backup_key_file"):
        return BackupKey.from_file(settings["backup_key_file"])
    if settings.get("backup_passphrase"):
        return BackupKey.from_passphrase(settings["backup_passphrase"])
    raise BackupError(
        "no backup key: set backup_key_file (make one with `appliance backup-key --out FILE`) "
        "or backup_passphrase (APPLIANCE_BACKUP_PASSPHRASE), or pass --key-file or "
        "--passphrase-stdin"
    )


@dataclass(frozen=True)
class Header:
    raw: bytes
    kdf: int
    key_id: bytes
    chunk_bytes: int
    prefix: bytes
    salt: bytes = b""
    log2_n: int = 0
    r: int = 0
    p: int = 0

    def key(
        self,
        settings: Mapping[str, Any],
        key_file: str | None = None,
        passphrase: str | None = None,
    ) -> BackupKey:
        """The key that opens this file, from the options or settings; BackupError names what
        is wrong (another key file, a wrong passphrase) without trying to decrypt."""
        if self.kdf == KDF_KEY_FILE:
            path = key_file or settings.get("backup_key_file")
            if not path:
                raise BackupError("this backup was made with a key file: pass --key-file")
            key = BackupKey.from_file(path)
            if key.key_id != self.key_id:
                raise BackupError(f"{path} is not the key file this backup was made with")
            return key
        phrase = passphrase if passphrase is not None else settings.get("backup_passphrase")
        if not phrase:
            raise BackupError("this backup was made with a passphrase: pass --passphrase-stdin")
        if self.log2_n > 22 or self.r > 32 or self.p > 16:
            raise BackupError("the backup's key derivation parameters are out of range")
        key = BackupKey.from_passphrase(phrase, self.salt, self.log2_n, self.r, self.p)
        if key.key_id != self.key_id:
            raise BackupError("wrong passphrase for this backup")
        return key


def _header(key: BackupKey, chunk_log2: int) -> bytes:
    raw = _BASE.pack(MAGIC, VERSION, key.kdf, key.key_id, chunk_log2, os.urandom(PREFIX_BYTES))
    if key.kdf == KDF_SCRYPT:
        raw += _SCRYPT.pack(key.salt, key.log2_n, key.r, key.p)
    return raw


def read_header(fh: BinaryIO) -> Header:
    base = fh.read(_BASE.size)
    if len(base) < _BASE.size or base[: len(MAGIC)] != MAGIC:
        raise BackupError("not an appliance backup file")
    magic, version, kdf, key_id, chunk_log2, prefix = _BASE.unpack(base)
    if version != VERSION or kdf not in (KDF_KEY_FILE, KDF_SCRYPT) or not 12 <= chunk_log2 <= 26:
        raise BackupError("unknown backup file version")
    if kdf == KDF_KEY_FILE:
        return Header(base, kdf, key_id, 1 << chunk_log2, prefix)
    extra = fh.read(_SCRYPT.size)
    if len(extra) < _SCRYPT.size:
        raise BackupError("backup file is cut off in its header")
    salt, log2_n, r, p = _SCRYPT.unpack(extra)
    return Header(base + extra, kdf, key_id, 1 << chunk_log2, prefix, salt, log2_n, r, p)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class Sealer(io.RawIOBase):
    """A write-only file object that encrypts into ``out``; :meth:`close` seals the last
    chunk. ``sha256`` and ``size`` describe the bytes written to ``out``."""

    def __init__(self, out: BinaryIO, key: BackupKey, chunk_log2: int = CHUNK_LOG2):
        super().__init__()
        self._out, self._aead = out, AESGCM(key.key)
        self._header = _header(key, chunk_log2)
        self._chunk = 1 << chunk_log2
        self._prefix = self._header[_BASE.size - PREFIX_BYTES : _BASE.size]
        self._buffer = bytearray()
        self._counter = 0
        self._hash = hashlib.sha256()
        self.size = 0
        self._emit(self._header)

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._hash.update(data)
        self.size += len(data)

    def _seal(self, data: bytes, last: bool) -> None:
        if self._counter >= 1 << 32:
            raise BackupError("backup too large for one file")
        nonce = _nonce(self._prefix, self._counter, last)
        self._emit(self._aead.encrypt(nonce, bytes(data), self._header))
        self._counter += 1

    def write(self, data) -> int:
        self._buffer += data
        # Keep at least one byte back: the chunk sealed as last is only known at close().
        while len(self._buffer) > self._chunk:
            self._seal(self._buffer[: self._chunk], False)
            del self._buffer[: self._chunk]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(self._buffer, True)
            self._buffer = bytearray()
        super().close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class Opener(io.RawIOBase):
    """A read-only file object yielding the plaintext of ``source`` (positioned after the
    header); raises BackupError on any chunk that does not authenticate, on a file cut off after
    any chunk, and on anything after the last chunk."""

    def __init__(self, source: BinaryIO, header: Header, key: BackupKey):
        super().__init__()
        self._in, self._header, self._aead = source, header, AESGCM(key.key)
        self._size = header.chunk_bytes + TAG_BYTES
        self._next = self._read_full()
        self._counter = 0
        self._plain, self._offset = b"", 0
        self._done = False
        if not self._next:
            raise BackupError("backup file is cut off (no data after its header)")

    def readable(self) -> bool:
        return True

    def _read_full(self) -> bytes:
        parts, wanted = [], self._size
        while wanted:
            part = self._in.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def _advance(self) -> None:
        current, self._next = self._next, self._read_full()
        last = not self._next
        if len(current) < self._size and not last:
            raise BackupError("backup file is damaged (a short chunk in the middle)")
        nonce = _nonce(self._header.prefix, self._counter, last)
        try:
            self._plain, self._offset = self._aead.decrypt(nonce, current, self._header.raw), 0
        except InvalidTag:
            raise BackupError(
                "backup file does not authenticate: damaged, cut off or changed"
            ) from None
        self._counter += 1
        self._done = last

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._plain) and not self._done:
            self._advance()
        n = min(len(buffer), len(self._plain) - self._offset)
        buffer[:n] = self._plain[self._offset : self._offset + n]
        self._offset += n
        return n


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
