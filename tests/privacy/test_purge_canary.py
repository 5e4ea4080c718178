"""Erasure is physical: after a purge, nothing of the erased rows is left anywhere in the raw
database files (main file and write-ahead log), not in free pages either."""

from __future__ import annotations

from appliance.privacy import retention_service
from tests.privacy import world as w


def _raw(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("appliance.db*")))


def test_no_byte_of_erased_rows_survives_in_the_database_files(conn, data_dir, tmp_path):
    world = w.build(conn, data_dir, tmp_path)
    w.close(conn, world)
    blobs = [bytes(r[0]) for r in conn.execute("SELECT email FROM contacts")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT last_name FROM contacts")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT value FROM name_answers")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT row_data FROM import_rejects")]
    consent = w.CONSENT.encode()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = _raw(data_dir)
    # Positive control: before the purge every canary is found where it is stored.
    assert all(blob in raw for blob in blobs) and consent in raw
    assert len(blobs) == 3 + 3 + 1 + 1

    receipt = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(7)))
    assert receipt.counts["contacts"] == 3 and receipt.counts["names"] == 1

    raw = _raw(data_dir)
    leaked = [blob.hex()[:16] for blob in blobs if blob in raw]
    assert not leaked, f"ciphertexts of erased rows still in the file: {leaked}"
    assert consent not in raw
    assert w.CANARY.encode() not in raw


def test_a_large_purge_rebuilds_the_file(conn, data_dir, tmp_path):
    world = w.build(conn, data_dir, tmp_path)
    rows = [(1, 1, f"x{i}".encode()) for i in range(1200)]
    conn.executemany("INSERT INTO contacts (list_id, import_id, email_hash) VALUES (?, ?, ?)", rows)
    receipt = retention_service.apply(conn, world.settings, now=w.at_noon(world.day(7)))
    assert receipt.counts["contacts"] >= 1200
    assert receipt.compacted
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
