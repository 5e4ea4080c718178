"""What an attacker with a copy of the data directory reads out of SQLite's own files.

- :func:`commits` replays the write-ahead log frame by frame on top of the database file and
  yields the database as it was after each commit, so that what each commit changed can be
  read with plain SQL.
- :func:`cell_order` walks every b-tree leaf page and reports, per cell that holds a response
  id, where in its page the cell sits: SQLite fills a page from its end towards its header, so
  a cell written later sits lower.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import struct
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

RESPONSE_ID = re.compile(rb"[0-9a-f]{32}")
LEAF_PAGES = (0x0A, 0x0D)  # index leaf (WITHOUT ROWID tables too), table leaf
# An index b-tree (a WITHOUT ROWID table too) keeps some whole entries in its interior pages,
# behind a four-byte child pointer.
INTERIOR_INDEX = 0x02


def steal(data_dir: Path, into: Path) -> sqlite3.Connection:
    """What a copy of the data directory holds, opened: the database file and its WAL, copied
    once the writer's truncation of the log after its last commit is done (a copy taken during
    that checkpoint would tear the two files apart, and lose a commit in neither)."""
    settle(data_dir)
    target = into / "stolen" / "appliance.db"
    target.parent.mkdir()
    for suffix in ("", "-wal"):
        if (data_dir / f"appliance.db{suffix}").exists():
            shutil.copy(data_dir / f"appliance.db{suffix}", f"{target}{suffix}")
    stolen = sqlite3.connect(target)
    stolen.row_factory = sqlite3.Row
    return stolen


def page_size(db_bytes: bytes) -> int:
    size = struct.unpack(">H", db_bytes[16:18])[0]
    return 65536 if size == 1 else size


def wal_frames(wal_bytes: bytes) -> list[tuple[int, int, bytes]]:
    """Valid frames of a WAL file as (page number, commit size or 0, page)."""
    if len(wal_bytes) < 32:
        return []
    size = struct.unpack(">I", wal_bytes[8:12])[0]
    salts = wal_bytes[16:24]
    frames, at = [], 32
    while at + 24 + size <= len(wal_bytes):
        number, commit = struct.unpack(">II", wal_bytes[at : at + 8])
        if wal_bytes[at + 8 : at + 16] != salts:
            break  # left over from an earlier generation of the log
        frames.append((number, commit, wal_bytes[at + 24 : at + 24 + size]))
        at += 24 + size
    return frames


def wal_pages(wal_bytes: bytes) -> set[int]:
    """The page numbers a WAL file holds images of."""
    return {number for number, _, _ in wal_frames(wal_bytes)}


def pad_page(db_bytes: bytes) -> int:
    """The page of ``wal_pad``, the one page a settled log may hold."""
    with tempfile.TemporaryDirectory() as work:
        conn = _open(db_bytes, Path(work) / "pad.db")
        try:
            return conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE name = 'wal_pad'"
            ).fetchone()[0]
        finally:
            conn.close()


def commits(db_bytes: bytes, wal_bytes: bytes) -> Iterator[sqlite3.Connection]:
    """The database file, then the database after each commit found in the WAL."""
    image = bytearray(db_bytes)
    with tempfile.TemporaryDirectory() as work:
        yield _open(image, Path(work) / "0.db")
        frames = wal_frames(wal_bytes)
        size = page_size(db_bytes) if db_bytes else (len(frames[0][2]) if frames else 4096)
        for n, (number, commit, page) in enumerate(frames, 1):
            end = number * size
            if len(image) < end:
                image.extend(bytes(end - len(image)))
            image[end - size : end] = page
            if commit:
                del image[commit * size :]
                yield _open(image, Path(work) / f"{n}.db")


def _open(image: bytes, path: Path) -> sqlite3.Connection:
    path.write_bytes(bytes(image))
    return sqlite3.connect(f"file:{path}?immutable=1", uri=True)


def linked(db_bytes: bytes, wal_bytes: bytes) -> dict[str, int]:
    """response id -> invitation id, for every commit that added exactly one response and
    marked exactly one invitation used: the attacker's links."""
    links: dict[str, int] = {}
    responses: set[str] = set()
    used: set[int] = set()
    for snapshot in commits(db_bytes, wal_bytes):
        try:
            now_responses = {r[0] for r in snapshot.execute("SELECT id FROM responses")}
            now_used = {r[0] for r in snapshot.execute("SELECT id FROM invitations WHERE used")}
        except sqlite3.DatabaseError:
            continue  # not a database yet
        finally:
            snapshot.close()
        new_responses, new_used = now_responses - responses, now_used - used
        if len(new_responses) == 1 and len(new_used) == 1:
            links[next(iter(new_responses))] = next(iter(new_used))
        responses, used = now_responses, now_used
    return links


def cell_order(db_bytes: bytes) -> list[tuple[int, int, str]]:
    """(page number, cell offset, response id) of every b-tree cell holding a response id: the
    leaf cells and the entries an index keeps in its interior pages."""
    size = page_size(db_bytes)
    found = []
    for number in range(1, len(db_bytes) // size + 1):
        page = db_bytes[(number - 1) * size : number * size]
        header = 100 if number == 1 else 0
        kind = page[header]
        if kind not in LEAF_PAGES and kind != INTERIOR_INDEX:
            continue
        cells = struct.unpack(">H", page[header + 3 : header + 5])[0]
        start = header + (12 if kind == INTERIOR_INDEX else 8)
        pointers = page[start : start + 2 * cells]
        for (offset,) in struct.iter_unpack(">H", pointers):
            if not 0 < offset < size:
                continue
            match = RESPONSE_ID.search(page[offset : offset + 120])
            if match:
                found.append((number, offset, match.group().decode()))
    return found


def order_correlation(cells: list[tuple[int, int, str]], rank: dict[str, int]) -> float:
    """Pooled within-page rank correlation of cell offsets with the order responses came in
    (-1: every page holds its cells in arrival order; 0: no trace of it)."""
    xs: list[float] = []
    ys: list[float] = []
    pages: dict[int, list[tuple[int, int]]] = {}
    for number, offset, rid in cells:
        if rid in rank:
            pages.setdefault(number, []).append((offset, rank[rid]))
    for pairs in pages.values():
        if len(pairs) < 2:
            continue
        xs += _centred_ranks([p[0] for p in pairs])
        ys += _centred_ranks([p[1] for p in pairs])
    top = sum(x * y for x, y in zip(xs, ys, strict=True))
    norm = (sum(x * x for x in xs) * sum(y * y for y in ys)) ** 0.5
    return top / norm if norm else 0.0


def _centred_ranks(values: list[int]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for r, i in enumerate(order):
        ranks[i] = r - (len(values) - 1) / 2
    return ranks


def lowest_cell_lateness(cells: list[tuple[int, int, str]], rank: dict[str, int]) -> float:
    """Mean, over pages, of how late (0: first, 1: last) the cell written lowest in its page
    came in among that page's cells. SQLite writes new cells below the old ones until a page is
    rebalanced, so a live file says about 1; a file rebuilt in key order says about 0.5."""
    pages: dict[int, list[tuple[int, int]]] = {}
    for number, offset, rid in cells:
        if rid in rank:
            pages.setdefault(number, []).append((offset, rank[rid]))
    scores = []
    for pairs in pages.values():
        if len(pairs) < 3:
            continue
        lowest = min(pairs)[1]
        scores.append(sorted(r for _, r in pairs).index(lowest) / (len(pairs) - 1))
    return sum(scores) / len(scores)


def settle(data_dir: Path, seconds: float = 5.0) -> bool:
    """Wait until the log holds nothing but the page of ``wal_pad`` (or is gone): the files at
    rest between two commits. Returns whether they came to rest within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        main, log = data_dir / "appliance.db", data_dir / "appliance.db-wal"
        wal = log.read_bytes() if log.exists() else b""
        if not wal or wal_pages(wal) <= {pad_page(main.read_bytes())}:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
