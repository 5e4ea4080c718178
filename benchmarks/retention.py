"""Retention speed: planning and erasing a large due batch, against a floor in the same run.

Generates N contacts (default 1,000,000; ``--quick`` 200,000) with encrypted-sized fields in
one list, half of them imported seven months ago (due) and half today, plus an invitation for
every contact to a survey that has ended long ago or still runs. Then, on two identical copies:

- floor: ``DELETE FROM contacts WHERE id IN (<the due ids>)`` with the appliance's pragmas
  (``secure_delete`` on, foreign keys on), then a checkpoint: the least any purge must pay;
- ``plan_s``: the retention plan (what falls due when) over all contacts;
- ``purge_s``: ``retention_service.apply`` erasing the same contacts, receipt written, invitations
  unlinked, write-ahead log truncated, but before the VACUUM (``purge_ratio`` = purge / floor);
- ``vacuum_s``: the compaction after it (a large purge rebuilds the file; the daily job and
  the button leave that to the nightly rebuild, see ``retention_service.apply``).

While the purge runs, the app serves on 127.0.0.1 (waitress, in this process, as ``serve`` runs
the daily job) and a client in another process signs in again and again (a staff account,
password form with its CSRF token, one at a time):

- ``max_lock_hold_ms``: the longest write transaction of the purge (each turn timed from BEGIN
  to the end of its COMMIT), with ``turns``, ``median_lock_hold_ms`` and ``p99_lock_hold_ms``;
- ``probe_max_wait_ms`` / ``probe_p99_wait_ms``: a thread of this process makes a tiny write
  transaction every 5 ms during the purge; how long one took, waiting for the lock included
  (what a writer of the server feels);
- ``signin_p99_ms`` / ``signin_median_ms`` / ``signin_errors``: the sign-ins that started
  during the purge; ``signin_idle_*`` the same client before it (argon2id alone is ~0.1 s);
  ``argon2_p99_ms`` the password check alone (timed in the server) during the purge, and
  ``signin_rest_p99_ms`` each sign-in without its password check: HTTP, the writes and their
  waits for the lock. Two cores share the purge, argon2id's four lanes and the client.

``load_1min`` is the machine's load average at the end: other work skews every figure.
Prints one JSON object as its last line.

    .venv/bin/python benchmarks/retention.py [--quick] [--contacts N]
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER, PASSWORD = "meter", "Benchmark-wachtwoord-2026"
IDLE_SIGNINS = 15
MAX_SIGNINS = 2_000


def build(data_dir: Path, contacts: int) -> list[int]:
    """A data directory with ``contacts`` contacts; returns the ids that are due."""
    from appliance import db
    from appliance.cli import initialise
    from appliance.settings import load

    initialise(load({"data_dir": str(data_dir)}, environ={}))
    conn = db.connect(db.db_path(data_dir))
    old = (datetime.now(UTC) - timedelta(days=215)).strftime("%Y-%m-%dT%H:%M:%SZ")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO contact_lists (id, name, created_at) VALUES (1, 'bench', ?)", (now,)
        )
        for import_id, at in ((1, old), (2, now)):
            conn.execute(
                "INSERT INTO contact_imports (id, list_id, basis, status, created_at, finished_at)"
                " VALUES (?, 1, 'consent', 'done', ?, ?)",
                (import_id, at, at),
            )
        conn.execute(
            "INSERT INTO surveys (id, title, status, created_at, closed_at)"
            " VALUES (1, 'ended', 'closed', ?, ?), (2, 'running', 'open', ?, NULL)",
            (old, old, now),
        )
        rows = []
        for i in range(1, contacts + 1):
            # Field ciphertexts are 37 bytes of overhead plus the text: random bytes of that size.
            rows.append((i, 1 if i % 2 else 2, os.urandom(32), os.urandom(60), os.urandom(45)))
            if len(rows) == 50_000:
                _insert(conn, rows)
                rows = []
        _insert(conn, rows)
        # Odd ids (imported long ago) were invited to the ended survey only; even ids to the
        # running one: the odd half is due, the even half waits.
        conn.execute(
            "INSERT INTO invitations (survey_id, contact_id, token_hash)"
            " SELECT 2 - (id % 2), id, randomblob(32) FROM contacts"
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return list(range(1, contacts + 1, 2))


def _insert(conn, rows) -> None:
    conn.executemany(
        "INSERT INTO contacts (id, list_id, import_id, email_hash, email, last_name)"
        " VALUES (?, 1, ?, ?, ?, ?)",
        rows,
    )


def floor(data_dir: Path, due: list[int]) -> float:
    from appliance import db
    from appliance.privacy.erasure_store import _run_in

    conn = db.connect(db.db_path(data_dir))
    start = time.perf_counter()
    with db.transaction(conn):
        _run_in(conn, "DELETE FROM contacts WHERE id IN ({marks})", due)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def add_user(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    subprocess.run(
        [sys.executable, "-m", "appliance", "--data-dir", str(data_dir), "user", "add", USER]
        + ["--role", "staff", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        env=env,
        capture_output=True,
        cwd=ROOT,
    )


@contextlib.contextmanager
def serving(data_dir: Path):
    """The app on a free port of 127.0.0.1 in this process, without the background jobs."""
    import waitress

    from appliance import create_app

    app = create_app(
        {
            "data_dir": str(data_dir),
            "secure_cookies": False,
            "default_language": "en",
            "staff_totp_required": False,
        }
    )
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        app.extensions["appliance"].writer.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str) -> tuple[float, float, bool]:
    """One sign-in of a fresh browser: (wall-clock start, ms of the POST, signed in)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        NoRedirect,
        urllib.request.ProxyHandler({}),
    )
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrf_token": token, "username": USER, "password": PASSWORD}
    ).encode()
    wall, start = time.time(), time.perf_counter()
    try:
        with opener.open(base + "/login", data=form, timeout=30) as r:
            r.read()
            ok = False  # the form again: not signed in
    except urllib.error.HTTPError as exc:
        exc.read()
        ok = exc.code in (302, 303) and "/login" not in exc.headers.get("Location", "")
    except OSError:
        ok = False
    return wall, (time.perf_counter() - start) * 1000, ok


def signin_client(base: str, stop_file: str, seconds: float) -> None:
    """Sign in one at a time until ``stop_file`` exists (bounded in count and time); prints the
    samples as JSON."""
    samples, end = [], time.time() + seconds
    while len(samples) < MAX_SIGNINS and time.time() < end and not os.path.exists(stop_file):
        try:
            samples.append(sign_in(base))
        except OSError:
            samples.append((time.time(), 0.0, False))
        time.sleep(0.02)
    print(json.dumps(samples))


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def measure(data_dir: Path) -> dict[str, float]:
    from appliance import db
    from appliance.privacy import erasure, retention, retention_service
    from appliance.settings import load

    settings = load({"data_dir": str(data_dir)}, environ={})
    add_user(data_dir)
    conn = db.connect(db.db_path(data_dir))
    start = time.perf_counter()
    found = retention.plan(conn, settings)
    plan_s = time.perf_counter() - start

    from appliance.auth import passwords

    holds: list[float] = []
    checks: list[tuple[float, float]] = []
    verify = passwords.verify

    def timed_verify(*args, **kwargs):
        wall, began = time.time(), time.perf_counter()
        try:
            return verify(*args, **kwargs)
        finally:
            checks.append((wall, (time.perf_counter() - began) * 1000))

    passwords.verify = timed_verify
    real = retention_service.transaction

    @contextlib.contextmanager
    def timed(connection, *args, **kwargs):
        with real(connection, *args, **kwargs):
            began = time.perf_counter()
            yield connection
        holds.append(time.perf_counter() - began)

    waits: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        mine = db.connect(db.db_path(data_dir))
        while not stop.is_set():
            began = time.perf_counter()
            db.pad_wal(mine)
            waits.append(time.perf_counter() - began)
            time.sleep(0.005)
        mine.close()

    stop_file = data_dir.parent / "stop-signing-in"
    with serving(data_dir) as base:
        client = subprocess.Popen(
            [sys.executable, __file__, "--signin-client", base, str(stop_file)],
            stdout=subprocess.PIPE,
            text=True,
        )
        # Time for the idle sign-ins (argon2id, ~0.1 s each) before the purge starts.
        time.sleep(IDLE_SIGNINS * 0.2)
        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        retention_service.transaction = timed
        began_wall, start = time.time(), time.perf_counter()
        try:
            receipt = retention_service.apply(conn, settings, compact=False)
            # What the daily job does after the turns: the log truncated, the rebuild left to
            # the nightly one.
            erasure.compact(conn, receipt.total, rebuild=False)
        finally:
            retention_service.transaction = real
        purge_s = time.perf_counter() - start
        ended_wall = time.time()
        stop.set()
        prober.join()
        stop_file.touch()
        out, _ = client.communicate(timeout=120)
    samples = json.loads(out.strip().splitlines()[-1])
    idle = [ms for wall, ms, ok in samples if wall < began_wall and ok]
    during = [(ms, ok) for wall, ms, ok in samples if began_wall <= wall <= ended_wall]
    signed = [ms for ms, ok in during if ok]
    passwords.verify = verify
    # Each sign-in's own password check: the one that started within it (one client, in turn).
    argon = [
        next((c for at, c in checks if wall <= at <= wall + ms / 1000), 0.0)
        for wall, ms, ok in samples
        if ok and began_wall <= wall <= ended_wall
    ]
    rest = [ms - c for ms, c in zip(signed, argon, strict=True)]
    start = time.perf_counter()
    erasure.compact(conn, receipt.total)
    vacuum_s = time.perf_counter() - start
    conn.close()
    return {
        "due_planned": found.lines["contacts"].due_now,
        "erased": receipt.counts["contacts"],
        "plan_s": round(plan_s, 3),
        "purge_s": round(purge_s, 3),
        "vacuum_s": round(vacuum_s, 3),
        "turns": len(holds),
        "max_lock_hold_ms": round(max(holds) * 1000, 1),
        "median_lock_hold_ms": round(statistics.median(holds) * 1000, 1),
        "p99_lock_hold_ms": round(p99(holds) * 1000, 1),
        "probe_writes": len(waits),
        "probe_max_wait_ms": round(max(waits) * 1000, 1),
        "probe_p99_wait_ms": round(p99(waits) * 1000, 1),
        "signins": len(during),
        "signin_errors": sum(1 for _ms, ok in during if not ok),
        "signin_median_ms": round(statistics.median(signed), 1) if signed else None,
        "signin_p99_ms": round(p99(signed), 1) if signed else None,
        "signin_max_ms": round(max(signed), 1) if signed else None,
        "argon2_p99_ms": round(p99(argon), 1) if argon else None,
        "signin_rest_p99_ms": round(p99(rest), 1) if rest else None,
        "signin_rest_max_ms": round(max(rest), 1) if rest else None,
        "signin_idle_median_ms": round(statistics.median(idle), 1) if idle else None,
        "signin_idle_p99_ms": round(p99(idle), 1) if idle else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 contacts")
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--signin-client", nargs=2, metavar=("BASE", "STOP_FILE"))
    args = parser.parse_args()
    if args.signin_client:
        signin_client(*args.signin_client, seconds=600)
        return
    contacts = args.contacts or (200_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        start = time.perf_counter()
        due = build(base, contacts)
        print(
            f"built {contacts:,} contacts in {time.perf_counter() - start:.1f} s", file=sys.stderr
        )
        copy = Path(tmp) / "copy"
        shutil.copytree(base, copy)
        floor_s = floor(copy, due)
        shutil.rmtree(copy)
        figures = measure(base)
    assert figures["erased"] == len(due) == figures["due_planned"], figures
    figures.update(
        {
            "contacts": contacts,
            "floor_s": round(floor_s, 3),
            "purge_ratio": round(figures["purge_s"] / floor_s, 2),
            "load_1min": round(os.getloadavg()[0], 2),
        }
    )
    figures["targets_met"] = (
        figures["max_lock_hold_ms"] <= 250
        and figures["signin_p99_ms"] is not None
        and figures["signin_p99_ms"] <= 200
        and figures["signin_errors"] == 0
    )
    for key, value in figures.items():
        print(f"{key:24} {value}", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
