"""Backups on demand (``appliance backup``) and at night (``serve``'s scheduler at
``backup_time``), and how many nightly ones are kept.

Nightly backups are named ``nightly-<UTC time>``; after each one the newest ``backup_keep`` are
kept and older nightly ones removed. Manual backups (``manual-<UTC time>``) are never removed
here. Every backup, and every failed nightly one, is recorded in the audit log
(:func:`appliance.backup.service.record_backup`): name, size and row counts, never a key or a
path to one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from appliance import db
from appliance.backup import archive, service
from appliance.backup.stream import BackupError, BackupKey, configured_key

log = logging.getLogger(__name__)
NIGHTLY = "nightly"
MANUAL = "manual"
_NAME = re.compile(r"(nightly|manual)-\d{8}T\d{6}Z(-\d+)?")


def backup_dir(settings: Mapping[str, Any]) -> Path:
    return Path(settings["backup_dir"] or Path(settings["data_dir"]) / "backups")


def _name(kind: str, now: datetime) -> str:
    return f"{kind}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def listing(out_dir: Path, kind: str | None = None) -> list[str]:
    """Names of the complete backups in ``out_dir`` (manifest present), oldest first."""
    if not out_dir.is_dir():
        return []
    names = []
    for path in out_dir.glob(f"*{archive.MANIFEST}"):
        name = path.name.removesuffix(archive.MANIFEST)
        wanted = _NAME.fullmatch(name) and (kind is None or name.startswith(kind + "-"))
        if wanted and (out_dir / f"{name}{archive.SUFFIX}").exists():
            names.append(name)
    return sorted(names)


def prune(out_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` nightly backups; returns the names removed."""
    names = listing(out_dir, NIGHTLY)
    removed = names[: max(len(names) - keep, 0)]
    for name in removed:
        # Manifest first: a backup without one is no longer listed, whatever happens next.
        (out_dir / f"{name}{archive.MANIFEST}").unlink(missing_ok=True)
        (out_dir / f"{name}{archive.SUFFIX}").unlink(missing_ok=True)
    return removed


def _private_dir(path: Path) -> None:
    created = not path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if created:
        os.chmod(path, 0o700)


def _summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    counts = manifest["counts"]
    return {
        "name": manifest["name"],
        "kind": manifest["kind"],
        "bytes": manifest["encrypted_bytes"],
        "tables": len(counts),
        "rows": sum(counts.values()),
        "contacts": counts.get("contacts", 0),
        "responses": counts.get("responses", 0),
    }


def manual(
    settings: Mapping[str, Any],
    key: BackupKey,
    out_dir: str | Path | None = None,
    now: datetime | None = None,
) -> tuple[Path, dict[str, Any]]:
    """``appliance backup``: one backup, never removed by the nightly rotation."""
    target = Path(out_dir) if out_dir else backup_dir(settings)
    _private_dir(target)
    name = base = _name(MANUAL, now or db.utcnow())
    n = 1
    while any(
        (target / f"{name}{suffix}").exists() for suffix in (archive.SUFFIX, archive.MANIFEST)
    ):
        n += 1
        name = f"{base}-{n}"
    manifest = archive.write(settings["data_dir"], target, name, key, kind=MANUAL)
    service.record_backup(settings, "backup.written", "cli", _summary(manifest))
    return target, manifest


@dataclass
class Outcome:
    name: str
    manifest: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


def nightly(
    settings: Mapping[str, Any],
    keys_or_data_dir: object = None,
    now: datetime | None = None,
) -> Outcome:
    """The nightly backup into ``backup_dir``, then keep the newest ``backup_keep``.

    ``keys_or_data_dir`` is accepted for the scheduler's convenience and not needed: the key
    files are read from the data directory together with the snapshot, under the rotation lock,
    so a backup always holds the keys its database was written with. (A path given here is
    used as the data directory.) Records ``backup.written`` or ``backup.failed`` and raises
    BackupError (or what went wrong) after recording a failure."""
    if isinstance(keys_or_data_dir, str | Path):
        settings = {**settings, "data_dir": str(keys_or_data_dir)}
    name = _name(NIGHTLY, now or db.utcnow())
    target = backup_dir(settings)
    try:
        key = configured_key(settings)
        _private_dir(target)
        manifest = archive.write(settings["data_dir"], target, name, key, kind=NIGHTLY)
        removed = prune(target, settings["backup_keep"])
    except Exception as exc:
        reason = str(exc) if isinstance(exc, BackupError | OSError) else type(exc).__name__
        service.record_backup(
            settings, "backup.failed", "system", {"name": name, "reason": reason[:300]}
        )
        raise
    service.record_backup(
        settings,
        "backup.written",
        "system",
        {**_summary(manifest), "kept": settings["backup_keep"], "removed": len(removed)},
    )
    return Outcome(name, manifest, removed)
