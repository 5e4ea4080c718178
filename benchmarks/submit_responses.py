"""Submitting responses through the real app, against a bare ceiling, plus a crash run.

Ceiling: a bare Flask app under waitress (same threads, same number of processes on one socket,
their inserts taking turns on an flock as the app's writers do) whose POST inserts one row into
SQLite.
App: `appliance serve --workers N`; every invitation link is opened first (not timed), then the
clients submit the 10-question responses (timed). 32 concurrent clients on 127.0.0.1, bounded in
count and time.
Crash run: the server, every worker process with it, is killed with SIGKILL several times while
clients submit; afterwards every response a client saw acknowledged must be in the database, none
twice, and integrity_check ok.

Fold lag: while the clients submit, a reader looks at the survey's respondent counter every
0.1 s; ``fold_lag_s_max`` is the longest an acknowledged response stayed out of the counters
(the fold adds them in the background), and ``counted_equals_stored`` checks the counters hold
every stored response once the fold has caught up.

Targets: app responses/s >= 60% of the ceiling's requests/s, p99 <= 100 ms, no errors, nothing
lost or duplicated, fold lag <= 5 s. Prints one JSON object as its last line.

    .venv/bin/python benchmarks/submit_responses.py [--quick] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

CLIENTS = 32
QUESTIONS = [
    {"id": f"q{i}", "type": t, "required": True, "text": {"nl": f"Vraag {i}"}}
    for i, t in enumerate(
        ["nps", "grade", "rating", "ces", "yesno", "nps", "grade", "rating", "ces", "text_short"],
        start=1,
    )
]
ANSWERS = {
    "q1": "9",
    "q2": "8",
    "q3": "4",
    "q4": "6",
    "q5": "yes",
    "q6": "7",
    "q7": "7",
    "q8": "5",
    "q9": "3",
    "q10": "Prima geholpen",
}

CEILING_APP = """
import fcntl, os, signal, socket, sqlite3, sys, threading
from flask import Flask
import waitress
app = Flask(__name__)
local = threading.local()
workers = int(sys.argv[4])
turn = threading.Lock()
def conn():
    if not hasattr(local, "c"):
        local.c = sqlite3.connect(sys.argv[1], isolation_level=None, check_same_thread=False)
        local.c.execute("PRAGMA journal_mode=WAL"); local.c.execute("PRAGMA synchronous=NORMAL")
        local.c.execute("PRAGMA busy_timeout=5000")
    return local.c
setup = sqlite3.connect(sys.argv[1])
setup.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
setup.close()
@app.post("/submit")
def submit():
    if workers == 1:
        conn().execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
        return "ok"
    with turn:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        try:
            conn().execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
        finally:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
    return "ok"
options = {"threads": int(sys.argv[3]), "_quiet": True}
if workers == 1:
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), **options)
    sys.exit()
sock = socket.create_server(("127.0.0.1", int(sys.argv[2])), backlog=1024)
children = []
for _ in range(workers):
    pid = os.fork()
    if pid == 0:
        lock_fd = os.open(sys.argv[1] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        waitress.serve(app, sockets=[sock], **options)
        os._exit(0)
    children.append(pid)
def stop(signum, frame):
    for pid in children:
        os.kill(pid, signal.SIGTERM)
signal.signal(signal.SIGTERM, stop)
for pid in children:
    os.waitpid(pid, 0)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def prepare(data_dir: Path, invitations: int, env: dict) -> list[str]:
    subprocess.run(
        [sys.executable, "-m", "appliance", "--data-dir", str(data_dir), "init", "--no-setup-code"],
        check=True,
        capture_output=True,
        env=env,
    )
    from appliance import db, keys
    from appliance.auth.service import CLI
    from appliance.db import transaction
    from appliance.responses import store as responses_store
    from appliance.surveys import service

    conn = db.connect(db.db_path(data_dir))
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.update_definition(
        conn,
        CLI,
        survey_id,
        {
            "languages": ["nl"],
            "title": {"nl": "Benchmark"},
            "pages": [{"id": "p1", "questions": QUESTIONS}],
        },
    )
    service.change_status(conn, CLI, survey_id, "open")
    hasher = keys.load(data_dir).hasher()
    with transaction(conn):
        tokens = [
            responses_store.create_invitation(conn, hasher, survey_id, None)
            for _ in range(invitations)
        ]
    conn.close()
    return tokens


def run_clients(port: int, jobs: list, deadline: float, worker) -> tuple[list, int]:
    """Each client thread takes jobs until none are left or time is up."""
    lock, latencies, errors = threading.Lock(), [], [0]
    queue = list(jobs)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            try:
                ms = worker(conn, job)
                with lock:
                    latencies.append(ms)
            except (OSError, http.client.HTTPException, AssertionError):
                with lock:
                    errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def ceiling(tmp: Path, requests: int, seconds: float, workers: int) -> dict:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", CEILING_APP, str(tmp / "ceiling.db"), str(port), "8", str(workers)]
    )
    try:
        wait_up(port)

        def post(conn, _job):
            start = time.perf_counter()
            conn.request("POST", "/submit", body=b"", headers={"Content-Length": "0"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            return (time.perf_counter() - start) * 1000

        started = time.monotonic()
        latencies, errors = run_clients(port, range(requests), started + seconds, post)
        elapsed = time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait()
    return figures(latencies, errors, elapsed)


def fetch_states(port: int, tokens: list[str]) -> dict[str, str]:
    """Open every invitation first (not timed): the run then measures submissions only."""
    states: dict[str, str] = {}
    lock = threading.Lock()

    def worker(conn, token):
        conn.request("GET", f"/i/{token}")
        page = conn.getresponse().read().decode()
        with lock:
            states[token] = re.search(r'name="state" value="([^"]+)"', page).group(1)
        return 0.0

    run_clients(port, tokens, time.monotonic() + 300, worker)
    return states


def answer(
    states: dict[str, str],
    acknowledged: list,
    lock: threading.Lock,
    acknowledged_at: list[float] | None = None,
):
    def worker(conn, token):
        body = urllib.parse.urlencode({"state": states[token], **ANSWERS}).encode()
        start = time.perf_counter()
        conn.request(
            "POST",
            f"/i/{token}",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        with lock:
            acknowledged.append(token)
            if acknowledged_at is not None:
                acknowledged_at.append(time.monotonic())
        return (time.perf_counter() - start) * 1000

    return worker


class FoldWatch:
    """Reads the survey's respondent counter every 0.1 s on a read-only connection while
    clients submit: (moment, count) pairs, to compare with the moments responses were
    acknowledged (:func:`fold_lag`)."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "appliance.db"
        self.seen: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT coalesce(sum(n), 0) FROM report_counts"
                    " WHERE question = '' AND dim1 = '' AND dim2 = ''"
                ).fetchone()
                self.seen.append((time.monotonic(), row[0]))
                self.stop.wait(0.1)
        finally:
            conn.close()

    def __enter__(self) -> FoldWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def fold_lag(acknowledged_at: list[float], seen: list[tuple[float, int]]) -> float:
    """The longest a respondent's acknowledged response stayed out of the counters: at each
    look (t, c) the counters hold c responses, so the (c+1)-th acknowledged one, if it was
    acknowledged before t, has waited at least t minus its acknowledgement."""
    acked = sorted(acknowledged_at)
    worst = 0.0
    for moment, counted in seen:
        if counted < len(acked) and acked[counted] < moment:
            worst = max(worst, moment - acked[counted])
    return worst


def serve(data_dir: Path, port: int, env: dict, workers: int) -> subprocess.Popen:
    """`appliance serve` in a process group of its own, so a crash can take every worker."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appliance",
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
            "--threads",
            "8",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def port_free(port: int) -> None:
    """Wait until nothing listens on ``port`` any more (no process of a killed server is left)."""
    for _ in range(300):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return
            except OSError:
                time.sleep(0.05)
    raise RuntimeError("the killed server still holds its port")


def app_run(tmp: Path, requests: int, seconds: float, env: dict, workers: int) -> dict:
    data_dir = tmp / "app"
    tokens = prepare(data_dir, requests, env)
    port = free_port()
    proc = serve(data_dir, port, env, workers)
    acknowledged: list[str] = []
    acknowledged_at: list[float] = []
    try:
        wait_up(port)
        states = fetch_states(port, tokens)
        with FoldWatch(data_dir) as watch:
            started = time.monotonic()
            latencies, errors = run_clients(
                port,
                tokens,
                started + seconds,
                answer(states, acknowledged, threading.Lock(), acknowledged_at),
            )
            elapsed = time.monotonic() - started
            # The fold catches up with the last responses while the watch goes on.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                not watch.seen or watch.seen[-1][1] < len(acknowledged)
            ):
                time.sleep(0.1)
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait()
    result = figures(latencies, errors, elapsed)
    result.update(check_db(data_dir, len(acknowledged)))
    result["fold_lag_s_max"] = round(fold_lag(acknowledged_at, watch.seen), 2)
    result["counted"] = watch.seen[-1][1] if watch.seen else 0
    return result


def crash_run(tmp: Path, requests: int, kills: int, env: dict, workers: int) -> dict:
    """Kill -9 the server (with its workers) repeatedly mid-run; count what acknowledged
    responses survived."""
    data_dir = tmp / "crash"
    tokens = prepare(data_dir, requests, env)
    port = free_port()
    acknowledged: list[str] = []
    lock = threading.Lock()
    proc = serve(data_dir, port, env, workers)
    wait_up(port)
    states = fetch_states(port, tokens)
    stop = threading.Event()

    def killer():
        nonlocal proc
        for _ in range(kills):
            time.sleep(0.7)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            port_free(port)
            proc = serve(data_dir, port, env, workers)
            wait_up(port)
        stop.set()

    thread = threading.Thread(target=killer)
    thread.start()
    worker = answer(states, acknowledged, lock)
    run_clients(port, tokens, time.monotonic() + 30, worker)
    thread.join()
    proc.terminate()
    proc.wait()
    result = check_db(data_dir, len(acknowledged))
    result["kills"] = kills
    result["acknowledged"] = len(acknowledged)
    return result


def check_db(data_dir: Path, acknowledged: int) -> dict:
    conn = sqlite3.connect(data_dir / "appliance.db")
    stored = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    used = conn.execute("SELECT count(*) FROM invitations WHERE used = 1").fetchone()[0]
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    # Every acknowledged response is stored; a response stored but not acknowledged (the server
    # died after the commit, before the reply) is not a loss. Duplicates: more stored than used.
    return {
        "stored": stored,
        "lost": max(0, acknowledged - stored),
        "duplicated": max(0, stored - used),
        "integrity": integrity,
    }


def figures(latencies: list[float], errors: int, elapsed: float) -> dict:
    latencies.sort()

    def pct(p):
        return (
            round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1)
            if latencies
            else None
        )

    return {
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "errors": errors,
        "count": len(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes of the app and of the ceiling"
    )
    args = parser.parse_args()
    requests = 1500 if args.quick else 6000
    seconds = 20 if args.quick else 60
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env["APPLIANCE_DEFAULT_LANGUAGE"] = "en"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        base = ceiling(tmp_path, requests, seconds, args.workers)
        app = app_run(tmp_path, requests, seconds, env, args.workers)
        crash = crash_run(
            tmp_path, 800 if args.quick else 2000, 3 if args.quick else 6, env, args.workers
        )
    result = {
        "clients": CLIENTS,
        "workers": args.workers,
        "ceiling_per_second": base["per_second"],
        "ceiling_p99_ms": base["p99_ms"],
        "app_per_second": app["per_second"],
        "p50_ms": app["p50_ms"],
        "p99_ms": app["p99_ms"],
        "ratio": round(app["per_second"] / base["per_second"], 2),
        "errors": app["errors"],
        "fold_lag_s_max": app["fold_lag_s_max"],
        "counted_equals_stored": app["counted"] == app["stored"],
        "lost": app["lost"],
        "duplicated": app["duplicated"],
        "crash_kills": crash["kills"],
        "crash_acknowledged": crash["acknowledged"],
        "crash_lost": crash["lost"],
        "crash_duplicated": crash["duplicated"],
        "crash_integrity": crash["integrity"],
    }
    result["targets_met"] = (
        result["ratio"] >= 0.6
        and (result["p99_ms"] or 1e9) <= 100
        and result["fold_lag_s_max"] <= 5
        and result["counted_equals_stored"]
        and not result["errors"]
        and not result["lost"]
        and not result["duplicated"]
        and not result["crash_lost"]
        and result["crash_integrity"] == "ok"
    )
    for key, value in result.items():
        print(f"{key:22} {value}", file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
