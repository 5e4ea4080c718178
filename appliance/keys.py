"""Key files in ``<data_dir>/keys``: created once by ``init``, mode 0600, never in the database or
the config file. ``check_permissions`` is what ``appliance check`` and ``serve`` rely on.

``appliance rotate-keys`` replaces ``field.key`` and appends a hash key: ``hash.key`` is the first
of the chain, ``hash.2.key``, ``hash.3.key``, ... the later ones (see ``appliance.crypto``). While
a rotation runs, its new keys wait as ``*.pending`` files; :class:`KeyRing` is how a long-running
process (``serve``) notices new key files and never uses keys that do not match the database.
A rotation that died half-way leaves pending files behind: :func:`rotation_committed` reads from
the database whether its rewrite committed, and :func:`effective_keys` are then the keys the
database is under (as ``rotate-keys --resume`` will settle the files).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance import db
from appliance.backup import sealed
from appliance.backup import store as backup_store
from appliance.crypto import KEY_BYTES, FieldCipher, KeyedHasher, key_id, new_key
from appliance.locks import ROTATION_LOCK

# field: AES-GCM of contact fields; hash: HMAC of addresses and tokens; session: cookie signing;
# audit: Ed25519 seed that signs the summaries replacing expired audit-log entries.
KEY_NAMES = ("field", "hash", "session", "audit")
KEYS_DIR = "keys"
PENDING = ".pending"
# How long a process waits for a running rotation before it gives up.
ROTATION_WAIT_SECONDS = 120.0
_LATER_HASH = re.compile(r"hash\.(\d+)\.key")


class KeyFileError(Exception):
    """A key file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Keys:
    field: bytes
    hash: bytes  # the first key of the hash chain (hash.key)
    session: bytes
    audit: bytes
    hash_later: tuple[bytes, ...] = ()  # hash.2.key, hash.3.key, ...
    field_previous: tuple[bytes, ...] = ()  # decrypt only: the key a rotation is replacing

    @property
    def hash_chain(self) -> tuple[bytes, ...]:
        return (self.hash, *self.hash_later)

    def cipher(self) -> FieldCipher:
        return FieldCipher(self.field, self.field_previous)

    def hasher(self) -> KeyedHasher:
        return KeyedHasher(self.hash_chain)

    def signer(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.audit)


def key_path(data_dir: str | Path, name: str) -> Path:
    return Path(data_dir) / KEYS_DIR / f"{name}.key"


def hash_path(data_dir: str | Path, generation: int) -> Path:
    """The file of the hash chain's key number ``generation`` (1: hash.key)."""
    return key_path(data_dir, "hash" if generation == 1 else f"hash.{generation}")


def write_key_file(path: Path, key: bytes) -> None:
    """Write a new key file (hex, 0600 from the start, flushed to disk); never overwrites."""
    # O_EXCL + mode at creation: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.hex().encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def sync_dir(path: Path) -> None:
    """Make renames and new files in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        write_key_file(path, new_key())
        created.append(name)
    return created


def read_key(path: Path) -> bytes:
    try:
        raw = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} is missing; run `appliance init`") from None
    except ValueError:
        raise KeyFileError(f"key file {path} is malformed (expected hex)") from None
    if len(raw) != KEY_BYTES:
        raise KeyFileError(f"key file {path} must hold {KEY_BYTES} bytes")
    return raw


def later_hash_generations(data_dir: str | Path) -> list[int]:
    """Generations of the hash keys after the first, in order; raises on a gap."""
    found = sorted(
        int(m.group(1))
        for p in (Path(data_dir) / KEYS_DIR).glob("hash.*.key")
        if (m := _LATER_HASH.fullmatch(p.name))
    )
    if found != list(range(2, len(found) + 2)):
        raise KeyFileError(f"hash key files {found} do not follow on from hash.key without a gap")
    return found


def load(data_dir: str | Path) -> Keys:
    values = {name: read_key(key_path(data_dir, name)) for name in KEY_NAMES}
    later = tuple(read_key(hash_path(data_dir, g)) for g in later_hash_generations(data_dir))
    return Keys(**values, hash_later=later)


def key_files(data_dir: str | Path) -> list[Path]:
    """Every key file in use (pending ones excluded), e.g. for a backup."""
    return [key_path(data_dir, name) for name in KEY_NAMES] + [
        hash_path(data_dir, g) for g in later_hash_generations(data_dir)
    ]


def as_files(keys: Keys) -> dict[str, bytes]:
    """The key files that hold ``keys`` (name -> content), as ``load`` reads them."""
    files = {f"{name}.key": getattr(keys, name).hex().encode() + b"\n" for name in KEY_NAMES}
    for generation, key in enumerate(keys.hash_later, start=2):
        files[f"hash.{generation}.key"] = key.hex().encode() + b"\n"
    return files


def pending_files(data_dir: str | Path) -> list[Path]:
    """New keys of a key rotation that has not finished (see ``appliance.backup.rotation``)."""
    return sorted((Path(data_dir) / KEYS_DIR).glob(f"*.key{PENDING}"))


def check_permissions(data_dir: str | Path) -> list[str]:
    """Return one message per permission problem of the data dir, keys dir and key files."""
    problems = []
    expected = [(Path(data_dir), 0o700), (Path(data_dir) / KEYS_DIR, 0o700)]
    expected += [(key_path(data_dir, name), 0o600) for name in KEY_NAMES]
    with contextlib.suppress(KeyFileError, FileNotFoundError):  # reported by load()
        expected += [(hash_path(data_dir, g), 0o600) for g in later_hash_generations(data_dir)]
    for path, mode in expected:
        try:
            actual = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            problems.append(f"{path} is missing")
            continue
        if actual & ~mode:
            problems.append(f"{path} has mode {actual:04o}; expected {mode:04o} (chmod {mode:o})")
    return problems


def rotation_running(data_dir: str | Path) -> bool:
    """Whether a key rotation holds its lock right now (it may be in any process)."""
    path = Path(data_dir) / ROTATION_LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


# ---- a rotation's pending keys ---------------------------------------------------------------


class RotationError(Exception):
    """The rotation was refused or undone; nothing changed (the message says why)."""


@dataclass(frozen=True)
class Pending:
    """The pending key files of an unfinished rotation (None: that key does not change) and the
    place the pending hash key takes in the chain."""

    field: Path | None
    hash: Path | None
    generation: int

    def final(self, path: Path) -> Path:
        """The name ``path`` takes once the rotation is complete."""
        return path.with_name(path.name.removesuffix(PENDING))


def pending_rotation(data_dir: str | Path) -> Pending | None:
    """The pending key files of an unfinished rotation, or None when there are none. Raises
    RotationError for a pending file that no rotation writes."""
    files = pending_files(data_dir)
    if not files:
        return None
    field_file = hash_file = None
    generation = 0
    for path in files:
        name = path.name.removesuffix(PENDING)
        if name == "field.key":
            field_file = path
        elif name.startswith("hash.") and name.removeprefix("hash.").removesuffix(".key").isdigit():
            hash_file, generation = path, int(name.split(".")[1])
        else:
            raise RotationError(f"unexpected pending key file {path}")
    return Pending(field_file, hash_file, generation)


def _read_pending(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return read_key(path)
    except KeyFileError:
        return None  # cut off while being written: step 2 cannot have run


def rotation_committed(data_dir: str | Path, pending: Pending) -> bool:
    """Whether the database was rewritten for these pending keys (step 2 of a rotation
    committed): an audit entry ``keys.rotated`` names their ids. Raises RotationError when the
    database's sealed values and the key files disagree."""
    new_field, new_hash = _read_pending(pending.field), _read_pending(pending.hash)
    if (pending.field and new_field is None) or (pending.hash and new_hash is None):
        return False
    conn = db.connect(db.db_path(data_dir))
    try:
        entries = [json.loads(d) for d in backup_store.rotations(conn)]
        sample = sealed.sample_key_id(conn)
    finally:
        conn.close()
    committed = any(
        (new_field is None or e.get("field_key_id") == key_id(new_field).hex())
        and (new_hash is None or e.get("hash_key_id") == key_id(new_hash).hex())
        for e in entries
    )
    current_field = read_key(key_path(data_dir, "field"))
    expected = key_id(new_field) if (committed and new_field) else key_id(current_field)
    if sample is not None and sample != expected:
        raise RotationError(
            "the database and the key files disagree about the field key; keep the data "
            "directory as it is and restore the latest backup"
        )
    return committed


def effective_keys(data_dir: str | Path) -> Keys:
    """The keys that match the database while a dead rotation's pending files are still there
    (for a running server; the files themselves are settled by ``rotate-keys --resume``)."""
    current = load(data_dir)
    pending = pending_rotation(data_dir)
    if pending is None or not rotation_committed(data_dir, pending):
        return current
    new_field, new_hash = _read_pending(pending.field), _read_pending(pending.hash)
    return Keys(
        field=new_field or current.field,
        hash=current.hash,
        session=current.session,
        audit=current.audit,
        hash_later=current.hash_later + ((new_hash,) if new_hash else ()),
        field_previous=(current.field,),
    )


class KeyRing:
    """The keys of a long-running process, read again when the key files change.

    ``current()`` costs one ``stat`` of the keys directory while nothing changes. When a key
    rotation is under way (pending key files) it waits until the rotation is over, so that no
    caller ever computes a hash or seals a value with keys the database no longer matches; a
    rotation that died half-way (pending files, nobody holding the lock) is read the way
    ``rotate-keys --resume`` would settle it."""

    # A change within this many seconds of the last look may share its timestamp: look again.
    RACY_SECONDS = 2.0

    def __init__(self, data_dir: str | Path, keys: Keys | None = None):
        self.data_dir = Path(data_dir)
        self._dir = self.data_dir / KEYS_DIR
        self._mutex = threading.Lock()
        self._keys = keys
        self._stamp: tuple[int, int] | None = self._stat() if keys is not None else None
        self._settled = keys is not None and not self._racy(self._stamp)

    def _stat(self) -> tuple[int, int]:
        st = os.stat(self._dir)
        return (st.st_mtime_ns, st.st_ino)

    def _racy(self, stamp: tuple[int, int] | None) -> bool:
        return stamp is None or time.time() - stamp[0] / 1e9 < self.RACY_SECONDS

    def current(self) -> Keys:
        stamp = self._stat()
        keys = self._keys
        if keys is not None and self._settled and stamp == self._stamp:
            return keys
        with self._mutex:
            stamp = self._stat()
            if self._keys is None or stamp != self._stamp or not self._settled:
                self._keys = self._read()
                self._stamp, self._settled = stamp, not self._racy(stamp)
            return self._keys

    def _read(self) -> Keys:
        if not pending_files(self.data_dir):
            return load(self.data_dir)
        deadline = time.monotonic() + ROTATION_WAIT_SECONDS
        while rotation_running(self.data_dir):
            if time.monotonic() > deadline:
                raise KeyFileError("a key rotation has been running too long; keys not reloaded")
            time.sleep(0.02)
        if not pending_files(self.data_dir):
            return load(self.data_dir)
        return effective_keys(self.data_dir)  # a rotation that died half-way


class LiveKeys:
    """Stands in for :class:`Keys` in a background job: every use reads the ring, so a job
    that runs for days picks up rotated keys like the web requests do."""

    def __init__(self, ring: KeyRing):
        self._ring = ring

    def __getattr__(self, name: str):
        return getattr(self._ring.current(), name)
