"""Uploaded files waiting to be imported: in ``<data_dir>/uploads`` (0700), each file 0600, named
by a random token (never by the uploader's file name), removed once the import ends.

A file is copied in chunks and refused as soon as it passes the size limit, so an upload that
claims or turns out to be huge never fills the disk.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import BinaryIO

from appliance import crypto
from appliance.i18n import N_

CHUNK = 1024 * 1024
STALE_SECONDS = 24 * 3600


class TooLarge(ValueError):
    pass


def upload_dir(data_dir: str | Path) -> Path:
    path = Path(data_dir) / "uploads"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def path_for(data_dir: str | Path, token: str) -> Path:
    """The stored file for ``token``; tokens are URL-safe random strings, nothing else passes."""
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        raise FileNotFoundError(token)
    return upload_dir(data_dir) / f"{token}.upload"


def store_stream(data_dir: str | Path, source: BinaryIO, limit: int) -> str:
    """Copy ``source`` into a new private file; returns its token. Raises TooLarge past
    ``limit`` bytes (the partial file is removed)."""
    token = crypto.token(18)
    target = path_for(data_dir, token)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise TooLarge(N_("the file is larger than the upload limit"))
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return token


def remove(data_dir: str | Path, token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path_for(data_dir, token).unlink(missing_ok=True)


def remove_stale(data_dir: str | Path, now: float | None = None) -> int:
    """Delete uploads older than a day (abandoned previews); returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in upload_dir(data_dir).glob("*.upload"):
        if now - path.stat().st_mtime > STALE_SECONDS:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
