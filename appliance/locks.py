"""File locks between processes on one data directory, named in one place (``flock``: the kernel
releases a lock when its holder dies, so a crash never leaves a stale lock behind).

The names are the files' names on disk, in the data directory; an installed appliance and a
running process of an older version must agree on them, so they never change.

- ``serve.lock`` (:data:`SERVE_LOCK`): held by ``serve`` for its lifetime; a restore takes it
  too, so it never replaces the database under a running server.
- ``rotation.lock`` (:data:`ROTATION_LOCK`): held by a key rotation; a backup takes it shared, so
  it copies the database and the key files of one and the same moment.
- ``mail-sender.lock`` (:data:`MAIL_SENDER_LOCK`): held by the one mail sender working on the data
  directory (``appliance.mailing.jobs``); a key rotation takes it too, so no mailing builds links
  while the keys change.
- ``bounce-reader.lock`` (:data:`BOUNCE_READER_LOCK`): held by the one reader of the return mailbox
  (``appliance.mailing.bounce_jobs``), so a scheduled reading and an admin's "check now" never
  settle the same message twice.
- ``write.lock`` (:data:`WRITE_LOCK`): held by whoever writes to the database, for one transaction
  (``appliance.db.transaction``): writers of every process (each ``serve`` worker, the CLI) take
  turns on it and wake the moment the holder lets go, instead of polling in SQLite's busy handler.
- ``write-queue.lock`` (:data:`WRITE_QUEUE_LOCK`): asked for before ``write.lock`` and held by the
  one writer waiting for it, so a writer that just let go lines up behind the waiter instead of
  taking the write lock again before the waiter has woken.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVE_LOCK = "serve.lock"
ROTATION_LOCK = "rotation.lock"
MAIL_SENDER_LOCK = "mail-sender.lock"
BOUNCE_READER_LOCK = "bounce-reader.lock"
WRITE_LOCK = "write.lock"
WRITE_QUEUE_LOCK = "write-queue.lock"


class Busy(Exception):
    """The lock is held by someone else (the message says who)."""


def take(path: Path, message: str, *, shared: bool = False, wait: float = 0.0) -> int:
    """Lock ``path`` (created 0600 if need be) and return the open descriptor, which holds the
    lock until it is closed. Waits up to ``wait`` seconds, then raises Busy(message)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    while True:
        try:
            fcntl.flock(fd, mode)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise Busy(message) from None
            time.sleep(0.05)


@contextmanager
def held(path: Path, message: str, *, shared: bool = False, wait: float = 0.0) -> Iterator[None]:
    fd = take(path, message, shared=shared, wait=wait)
    try:
        yield
    finally:
        os.close(fd)


@contextmanager
def attempt(path: Path) -> Iterator[bool]:
    """Exclusive, without waiting: True while this caller holds ``path``, False (at once) when
    someone else does. For jobs that simply skip a turn when another one runs."""
    try:
        fd = take(path, "")
    except Busy:
        yield False
        return
    try:
        yield True
    finally:
        os.close(fd)


def serving(data_dir: str | Path) -> int:
    """For ``serve``: hold the serve lock for the life of the process."""
    return take(
        Path(data_dir) / SERVE_LOCK,
        f"another `appliance serve` is running on {data_dir}",
    )


@contextmanager
def not_serving(data_dir: str | Path) -> Iterator[None]:
    """For restore: refuse while ``serve`` runs on the data directory."""
    with held(
        Path(data_dir) / SERVE_LOCK,
        f"the appliance is running on {data_dir} (`appliance serve`); stop it first, e.g. "
        "`systemctl stop appliance`",
    ):
        yield


@contextmanager
def no_rotation(data_dir: str | Path, wait: float = 120.0) -> Iterator[None]:
    """Shared: wait for a key rotation to finish and keep the next one from starting."""
    with held(
        Path(data_dir) / ROTATION_LOCK,
        "a key rotation is running; try again when it has finished",
        shared=True,
        wait=wait,
    ):
        yield


@contextmanager
def rotating(data_dir: str | Path) -> Iterator[None]:
    with held(Path(data_dir) / ROTATION_LOCK, "another key rotation is running"):
        yield
