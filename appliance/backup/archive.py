"""One backup: ``<name>.backup`` (encrypted, see :mod:`.stream`) and ``<name>.manifest.json``.

Inside the encryption, a tar stream: the key files (``keys/*.key``, so the backup restores on a
new machine with only the backup key), the database snapshot (``appliance.db``) and a copy of the
manifest. The snapshot comes from SQLite's online backup API on a read connection, in one step:
one read transaction, so a consistent moment while others keep writing (never a file copy, which
could catch a write half-way). The snapshot and the key files are taken under the rotation lock
(shared), so they always belong together.

The manifest (plain JSON, no personal data: table names, counts, hashes, key ids) says what is
inside and lets a restore check the file before decrypting it. Both files are written under a
temporary name and renamed when complete; the manifest last, so a backup without a manifest
is incomplete and is never listed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from appliance import db, keys, locks
from appliance.backup import store
from appliance.backup.stream import BackupError, BackupKey, Header, Opener, Sealer, read_header
from appliance.db import iso

FORMAT = 1
SUFFIX = ".backup"
MANIFEST = ".manifest.json"
DB_MEMBER = "appliance.db"
MANIFEST_MEMBER = "manifest.json"
_KEY_MEMBER = re.compile(r"keys/([a-z]+(?:\.\d+)?\.key)")
# Fields of the outer manifest that cannot be inside the file they describe.
OUTER_ONLY = ("encrypted_sha256", "encrypted_bytes")


def version() -> str:
    try:
        return metadata.version("appliance")
    except metadata.PackageNotFoundError:
        return "unknown"


class _Hashing(io.RawIOBase):
    """Reads through to a file while hashing what was read."""

    def __init__(self, fh: BinaryIO):
        super().__init__()
        self._fh, self.digest, self.size = fh, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fh.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy, rebuilt rather than copied page by page: ``VACUUM INTO`` writes every
    table and index anew in key order inside one read transaction of the source, so the copy
    keeps no trace of the order rows came in (nor free pages with old content, nor the WAL)."""
    src = db.connect(source, readonly=True)
    try:
        store.vacuum_into(src, target)
    finally:
        src.close()
    os.chmod(target, 0o600)


def describe(path: Path) -> dict[str, Any]:
    """Counts per table, applied migrations and the audit log's last entry of a database."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = store.table_counts(conn)
        migrations = store.applied_migrations(conn)
        tail = store.audit_tail(conn)
    finally:
        conn.close()
    return {
        "counts": counts,
        "migrations": migrations,
        "audit_tail": {"id": tail[0], "hash": tail[1]} if tail else None,
    }


def _key_files(data_dir: Path) -> dict[str, bytes]:
    """The key files that belong to the database (the caller keeps rotations out). After a
    rotation that died half-way, the keys the database says it is under."""
    if not keys.pending_files(data_dir):
        return {p.name: p.read_bytes() for p in keys.key_files(data_dir)}
    return keys.as_files(keys.effective_keys(data_dir))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(mtime)
    tar.addfile(info, io.BytesIO(data))


def write(
    data_dir: str | Path, out_dir: str | Path, name: str, key: BackupKey, *, kind: str = "manual"
) -> dict[str, Any]:
    """Write the backup ``name`` into ``out_dir``; returns its manifest."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if not db.db_path(data_dir).exists():
        raise BackupError(f"no database in {data_dir}; nothing to back up")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final, final_manifest = out_dir / f"{name}{SUFFIX}", out_dir / f"{name}{MANIFEST}"
    if final.exists() or final_manifest.exists():
        raise BackupError(f"a backup named {name} exists already in {out_dir}")
    partial, partial_manifest = Path(f"{final}.tmp"), Path(f"{final_manifest}.tmp")
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=data_dir))  # 0700, beside the database
    now = datetime.now().astimezone()
    try:
        snapshot = work / DB_MEMBER
        with locks.no_rotation(data_dir):
            _snapshot(db.db_path(data_dir), snapshot)
            key_blobs = _key_files(data_dir)
        inner = {
            "format": FORMAT,
            "name": name,
            "kind": kind,
            "created_at": iso(now),
            "appliance_version": version(),
            **describe(snapshot),
            "key": key.describe(),
            "key_files": sorted(key_blobs),
        }
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw:
            sealer = Sealer(raw, key)
            with tarfile.open(fileobj=sealer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for file_name, blob in sorted(key_blobs.items()):
                    _add_bytes(tar, f"keys/{file_name}", blob, now.timestamp())
                info = tar.gettarinfo(str(snapshot), arcname=DB_MEMBER)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(snapshot, "rb") as fh:
                    reader = _Hashing(fh)
                    tar.addfile(info, reader)
                inner["snapshot_sha256"] = reader.digest.hexdigest()
                inner["snapshot_bytes"] = reader.size
                _add_bytes(tar, MANIFEST_MEMBER, _json(inner), now.timestamp())
            sealer.close()
            raw.flush()
            os.fsync(raw.fileno())
        manifest = {**inner, "encrypted_sha256": sealer.sha256, "encrypted_bytes": sealer.size}
        fd = os.open(partial_manifest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_json(manifest))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, final)
        os.replace(partial_manifest, final_manifest)
        keys.sync_dir(out_dir)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
        partial_manifest.unlink(missing_ok=True)


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True).encode() + b"\n"


def locate(path: str | Path) -> tuple[Path, Path]:
    """The backup file and its manifest, given either of them (or the name without suffix)."""
    text = str(path)
    for suffix in (SUFFIX, MANIFEST):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    backup, manifest = Path(text + SUFFIX), Path(text + MANIFEST)
    if not backup.is_file():
        raise BackupError(f"{backup} does not exist")
    if not manifest.is_file():
        raise BackupError(f"{manifest} is missing: an incomplete backup, or copied without it")
    return backup, manifest


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is not a backup manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format")
    return manifest


def check_file(backup: Path, manifest: dict[str, Any]) -> None:
    """The encrypted file is the one the manifest describes (size and SHA-256)."""
    if backup.stat().st_size != manifest.get("encrypted_bytes"):
        raise BackupError(f"{backup} does not have the size its manifest gives: cut off or changed")
    digest = hashlib.sha256()
    with open(backup, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != manifest.get("encrypted_sha256"):
        raise BackupError(f"{backup} does not match the checksum in its manifest")


def header_of(backup: Path) -> Header:
    with open(backup, "rb") as fh:
        return read_header(fh)


def unpack(backup: Path, key: BackupKey, manifest: dict[str, Any], into: Path) -> dict[str, Any]:
    """Decrypt into ``into`` (``appliance.db`` and ``keys/``); checks every chunk, the
    snapshot's checksum and that the manifest inside equals the one beside the file. Returns
    the manifest from inside."""
    (into / keys.KEYS_DIR).mkdir(mode=0o700, parents=True)
    inner = None
    snapshot_sha = None
    with open(backup, "rb") as fh:
        header = read_header(fh)
        opener = io.BufferedReader(Opener(fh, header, key), buffer_size=1 << 20)
        try:
            with tarfile.open(fileobj=opener, mode="r|") as tar:
                for member in tar:
                    if not member.isfile():
                        raise BackupError("unexpected entry in the backup")
                    source = tar.extractfile(member)
                    if member.name == DB_MEMBER:
                        snapshot_sha = _copy(source, into / DB_MEMBER)
                    elif member.name == MANIFEST_MEMBER and member.size < 1 << 20:
                        inner = json.loads(source.read())
                    elif (m := _KEY_MEMBER.fullmatch(member.name)) and member.size < 1024:
                        _copy(source, into / keys.KEYS_DIR / m.group(1))
                    else:
                        raise BackupError("unexpected entry in the backup")
        except tarfile.TarError:
            raise BackupError("the backup's contents are damaged") from None
    if inner is None or snapshot_sha is None:
        raise BackupError("the backup is incomplete (no database or no manifest inside)")
    if snapshot_sha != inner.get("snapshot_sha256"):
        raise BackupError("the database in the backup does not match its checksum")
    if any(manifest.get(k) != v for k, v in inner.items()) or set(manifest) - set(inner) != set(
        OUTER_ONLY
    ):
        raise BackupError("the manifest beside the backup does not match the one inside it")
    return inner


def _copy(source: BinaryIO, target: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()
