"""Key files in ``<data_dir>/keys``: created once by ``init``, mode 0600, never in the database or
the config file. ``check_permissions`` is what ``appliance check`` and ``serve`` rely on."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.crypto import KEY_BYTES, FieldCipher, KeyedHasher, new_key

# field: AES-GCM of contact fields; hash: HMAC of addresses and tokens; session: cookie signing;
# audit: Ed25519 seed that signs the summaries replacing expired audit-log entries.
KEY_NAMES = ("field", "hash", "session", "audit")
KEYS_DIR = "keys"


class KeyFileError(Exception):
    """A key file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Keys:
    field: bytes
    hash: bytes
    session: bytes
    audit: bytes

    def cipher(self) -> FieldCipher:
        return FieldCipher(self.field)

    def hasher(self) -> KeyedHasher:
        return KeyedHasher(self.hash)

    def signer(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.audit)


def key_path(data_dir: str | Path, name: str) -> Path:
    return Path(data_dir) / KEYS_DIR / f"{name}.key"


def create_missing(data_dir: str | Path) -> list[str]:
    """Create absent key files (0600) in a 0700 keys directory; return the names created."""
    keys_dir = Path(data_dir) / KEYS_DIR
    keys_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    created = []
    for name in KEY_NAMES:
        path = key_path(data_dir, name)
        if path.exists():
            continue
        # O_EXCL + mode at creation: the key is never readable by others, not even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(new_key().hex().encode() + b"\n")
        created.append(name)
    return created


def load(data_dir: str | Path) -> Keys:
    values = {}
    for name in KEY_NAMES:
        path = key_path(data_dir, name)
        try:
            raw = bytes.fromhex(path.read_text().strip())
        except FileNotFoundError:
            raise KeyFileError(f"key file {path} is missing; run `appliance init`") from None
        except ValueError:
            raise KeyFileError(f"key file {path} is malformed (expected hex)") from None
        if len(raw) != KEY_BYTES:
            raise KeyFileError(f"key file {path} must hold {KEY_BYTES} bytes")
        values[name] = raw
    return Keys(**values)


def check_permissions(data_dir: str | Path) -> list[str]:
    """Return one message per permission problem of the data dir, keys dir and key files."""
    problems = []
    expected = [(Path(data_dir), 0o700), (Path(data_dir) / KEYS_DIR, 0o700)]
    expected += [(key_path(data_dir, name), 0o600) for name in KEY_NAMES]
    for path, mode in expected:
        try:
            actual = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            problems.append(f"{path} is missing")
            continue
        if actual & ~mode:
            problems.append(f"{path} has mode {actual:04o}; expected {mode:04o} (chmod {mode:o})")
    return problems
