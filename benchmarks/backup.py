"""Backup, restore and key rotation speed, against floors measured in the same run.

Builds a data directory with N contacts (default 100,000; 20,000 with --quick) imported through
the real importer (e-mail, names, phone; each sealed, the address keyed-hashed), a suppression
list of N/10 hashes, and N/2 responses stored as the appliance stores them. Then measures:

- ``floor_backup_s``: SQLite's ``Connection.backup()`` into a plain, unencrypted file;
- ``backup_s``: ``appliance backup`` (snapshot, counts, tar, AES-GCM STREAM, manifest, fsync);
  ``backup_ratio`` = backup / floor;
- ``restore_s``: ``appliance restore`` into a fresh data directory (checksum, decrypt,
  integrity check, migrations, re-application of erasures, unsubscribes and retention);
- ``rotate_s``: ``appliance rotate-keys`` (no drain) and ``rotate_write_lock_s``, the part of it
  during which other writers wait; ``rotate_ratio`` = rotate / floor, the floor being AES-GCM
  decrypt + encrypt of as many fields in memory (``floor_reseal_s``).

Prints one JSON object as its last line.

    .venv/bin/python benchmarks/backup.py [--quick] [--contacts N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Jan", "Piet", "Anna", "Els", "Sanne", "Mohammed", "Fatima", "Daan", "Emma", "Lucas"]
LAST = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Dekker"]


def build(data_dir: Path, n: int, tmp: Path) -> None:
    from appliance import db, keys
    from appliance.auth.service import CLI
    from appliance.cli import initialise
    from appliance.contacts import import_service, reader
    from appliance.contacts.mapping import Mapping, suggest
    from appliance.privacy import suppression
    from appliance.settings import load as load_settings
    from appliance.surveys import service

    initialise(load_settings({"data_dir": str(data_dir)}, environ={}))
    source = tmp / "contacts.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["E-mailadres", "Voornaam", "Achternaam", "Telefoon", "Vestiging"])
        for i in range(n):
            writer.writerow(
                [
                    f"klant.{i}@voorbeeld{i % 997}.nl",
                    FIRST[i % len(FIRST)],
                    LAST[i % len(LAST)],
                    f"06{i:08d}",
                    f"regio-{i % 20}",
                ]
            )
    conn = db.connect(db.db_path(data_dir))
    app_keys = keys.load(data_dir)
    with reader.open_table(source) as table:
        targets = suggest(table.headers)
        targets[4] = "segment:vestiging"
        mapping = Mapping.build(table.headers, targets)
        import_id = import_service.begin(conn, CLI, "Benchmark", "consent", "", mapping)
        import_service.run_import(conn, app_keys, CLI, import_id, table, mapping)
    hasher = app_keys.hasher()
    with db.transaction(conn):
        suppression.add(
            conn, [hasher.digest("email", f"weg.{i}@voorbeeld.nl") for i in range(n // 10)], "staff"
        )
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.change_status(conn, CLI, survey_id, "open")
    day = date.today().isoformat()
    rows = [
        (secrets.token_hex(16), survey_id, day, json.dumps({"nps": str(i % 11)}))
        for i in range(n // 2)
    ]
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO responses (id, survey_id, mode, submitted_on, language, answers)"
            " VALUES (?, ?, 'link', ?, 'nl', ?)",
            rows,
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def floor_backup(data_dir: Path, target: Path) -> float:
    from appliance import db

    began = time.perf_counter()
    src = db.connect(db.db_path(data_dir), readonly=True)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()
    return time.perf_counter() - began


def floor_reseal(data_dir: Path) -> tuple[float, int]:
    """Decrypt + encrypt every sealed contact field, in memory (no SQL)."""
    from appliance import db, keys
    from appliance.backup import sealed
    from appliance.crypto import FieldCipher, new_key

    conn = db.connect(db.db_path(data_dir))
    values = []
    for spec in sealed.SEALED:
        for column in spec.columns:
            values += [
                (spec.table, column, r[0], bytes(r[1]))
                for r in conn.execute(
                    f"SELECT {spec.row_id}, {column} FROM {spec.table}"  # noqa: S608
                    f" WHERE {column} IS NOT NULL"
                )
            ]
    conn.close()
    old, new = keys.load(data_dir).cipher(), FieldCipher(new_key())
    began = time.perf_counter()
    for table, column, row_id, blob in values:
        new.encrypt(old.decrypt(blob, table, column, row_id), table, column, row_id)
    return time.perf_counter() - began, len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="finish within two minutes")
    parser.add_argument("--contacts", type=int, default=None, help="default 100,000")
    args = parser.parse_args()
    n = args.contacts or (20_000 if args.quick else 100_000)

    from appliance.backup import jobs, rotation
    from appliance.backup import restore as restoring
    from appliance.backup.stream import BackupKey, new_key_file
    from appliance.settings import load as load_settings

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data_dir = tmp / "data"
        began = time.perf_counter()
        build(data_dir, n, tmp)
        print(f"built {n} contacts in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        db_bytes = os.path.getsize(data_dir / "appliance.db")

        floor_s = min(floor_backup(data_dir, tmp / f"plain{i}.db") for i in range(3))
        key_path = tmp / "backup.key"
        new_key_file(key_path)
        key = BackupKey.from_file(key_path)
        settings = load_settings({"data_dir": str(data_dir)}, environ={})
        times, manifest = [], None
        for _ in range(3):
            began = time.perf_counter()
            _out, manifest = jobs.manual(settings, key, tmp / "backups")
            times.append(time.perf_counter() - began)
        backup_s = min(times)
        print(f"backup {backup_s:.2f} s (floor {floor_s:.2f} s)", file=sys.stderr)

        fresh = tmp / "fresh"
        began = time.perf_counter()
        restoring.restore(
            tmp / "backups" / f"{manifest['name']}.backup",
            load_settings({"data_dir": str(fresh)}, environ={}),
            key_file=str(key_path),
        )
        restore_s = time.perf_counter() - began
        print(f"restore {restore_s:.2f} s", file=sys.stderr)

        reseal_floor_s, fields = floor_reseal(data_dir)
        began = time.perf_counter()
        rotated = rotation.rotate(data_dir, drain_seconds=0)
        rotate_s = time.perf_counter() - began
        print(
            f"rotate {rotate_s:.2f} s ({rotated.counts}; floor {reseal_floor_s:.2f} s)",
            file=sys.stderr,
        )

    figures = {
        "contacts": n,
        "db_mb": round(db_bytes / 2**20, 1),
        "backup_mb": round(manifest["encrypted_bytes"] / 2**20, 1),
        "floor_backup_s": round(floor_s, 3),
        "backup_s": round(backup_s, 3),
        "backup_ratio": round(backup_s / floor_s, 2),
        "restore_s": round(restore_s, 3),
        "sealed_fields": fields,
        "hashes": rotated.counts["hashes"],
        "floor_reseal_s": round(reseal_floor_s, 3),
        "rotate_s": round(rotate_s, 3),
        "rotate_write_lock_s": rotated.seconds,
        "rotate_ratio": round(rotate_s / reseal_floor_s, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
