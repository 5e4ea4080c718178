"""Report speed on a 10-question survey with many responses, against a floor measured in the
same run.

Generates its own data: N responses (default 1,000,000) over a year, three modes and a segment
with 20 values, stored as the appliance stores them. Then measures:

- ``recount_s``: the appliance's full recount (``fold_service.recount``, as when staff change the
  reportable segments) while respondents submit through the app's group commit (8 clients, the
  write path of the respondent pages without HTTP) and a probe takes a tiny write turn every
  5 ms: ``max_lock_hold_ms`` is the probe's longest wait (the longest anyone held the write lock
  meanwhile), ``submission_p99_during_recount_ms`` and ``submission_errors`` what respondents
  met; afterwards the fold catches up and ``counted_equals_stored`` checks nothing was lost;
- floor: one SQL ``GROUP BY`` per question computing count and sum over the responses, broken
  down by the segment (``floor_s`` all ten, ``groupby_pass_s`` the median single pass);
- ``dashboard_ms``: the whole dashboard page of that survey with the breakdown over the segment,
  rendered by the real app (gate, suppression, statistics, SVG charts), median of several;
- ``adhoc_ms``: a researcher's allowed ad-hoc filter (one segment value, broken down by mode),
  the whole page; ``adhoc_ratio`` = adhoc time / one GROUP BY pass (target <= 1);
- ``dashboard_during_heavy_ms``: the dashboard while the ten GROUP BY passes run in another
  thread (heavy computation must not starve the web threads);
- ``store_ms_per_response`` / ``fold_ms_per_response``: a submission's own write (no counter
  in it) and the fold's cost per response catching up afterwards, with the longest time one
  fold batch held the write lock.

Targets: dashboard_ms <= 100, adhoc_ratio <= 1, max_lock_hold_ms <= 250, submissions during
the recount p99 <= 200 ms with 0 errors. Prints one JSON object as its last line.

    .venv/bin/python benchmarks/report.py [--quick] [--responses N]
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEGMENT_VALUES = [f"regio-{i:02d}" for i in range(20)]
MODES = ["invitation", "link", "kiosk"]


def _t(text: str) -> dict[str, str]:
    return {"nl": text, "en": text}


QUESTIONS = [
    {"id": "nps", "type": "nps", "text": _t("Aanbevelen?")},
    {"id": "grade", "type": "grade", "text": _t("Rapportcijfer?")},
    {"id": "service", "type": "rating", "text": _t("Service?")},
    {"id": "speed", "type": "rating", "text": _t("Snelheid?")},
    {"id": "price", "type": "rating", "text": _t("Prijs?")},
    {"id": "effort", "type": "ces", "text": _t("Moeite?")},
    {"id": "staff", "type": "grade", "text": _t("Medewerkers?")},
    {"id": "website", "type": "rating", "text": _t("Website?")},
    {"id": "again", "type": "yesno", "text": _t("Opnieuw?")},
    {
        "id": "channel",
        "type": "single",
        "text": _t("Kanaal?"),
        "choices": [{"value": v, "label": _t(v)} for v in ("winkel", "web", "telefoon")],
    },
]
DEFINITION = {"languages": ["nl"], "title": _t("Benchmark"), "pages": [{"questions": QUESTIONS}]}


def _answers(rng: random.Random) -> dict[str, str]:
    def scale(low: int, high: int, mode: float) -> str:
        return str(round(rng.triangular(low, high, mode)))

    return {
        "nps": scale(0, 10, 8),
        "grade": scale(1, 10, 7.5),
        "service": scale(1, 5, 4),
        "speed": scale(1, 5, 3.5),
        "price": scale(1, 5, 3),
        "effort": scale(1, 7, 2),
        "staff": scale(1, 10, 8),
        "website": scale(1, 5, 4),
        "again": rng.choice(("yes", "yes", "no")),
        "channel": rng.choice(("winkel", "web", "telefoon")),
    }


def setup(data_dir: Path, n: int):
    from appliance import db
    from appliance.cli import initialise
    from appliance.settings import load as load_settings
    from appliance.surveys import store as surveys_store
    from appliance.surveys.definition import Definition

    initialise(load_settings({"data_dir": str(data_dir)}, environ={}))
    conn = db.connect(db.db_path(data_dir))
    with db.transaction(conn):
        survey_id = surveys_store.create_survey(conn, Definition.parse(DEFINITION))
        surveys_store.set_status(conn, survey_id, "open")
        conn.execute(
            "UPDATE surveys SET report_segments = ? WHERE id = ?", ('["regio"]', survey_id)
        )
        # The values reports offer, as the invitation waves would have recorded them.
        conn.executemany(
            "INSERT INTO report_segment_values (survey_id, attribute, value)"
            " VALUES (?, 'regio', ?)",
            [(survey_id, v) for v in SEGMENT_VALUES],
        )
    rng = random.Random(1)
    start = date.today() - timedelta(days=364)
    days = [(start + timedelta(days=i)).isoformat() for i in range(365)]
    batch = 50_000
    for first in range(0, n, batch):
        rows = [
            (
                secrets.token_hex(16),
                survey_id,
                rng.choice(MODES),
                rng.choice(days),
                json.dumps({"regio": rng.choice(SEGMENT_VALUES)}),
                json.dumps(_answers(rng), sort_keys=True),
            )
            for _ in range(min(batch, n - first))
        ]
        with db.transaction(conn):
            conn.executemany(
                "INSERT INTO responses (id, survey_id, mode, submitted_on, language, segments,"
                " answers, folded) VALUES (?, ?, ?, ?, 'nl', ?, ?, 1)",
                rows,
            )
    conn.execute("ANALYZE")
    return conn, survey_id


def floor(conn, survey_id: int) -> list[float]:
    """One GROUP BY per question: count and sum per segment value."""
    times = []
    for q in QUESTIONS:
        path = f"$.{q['id']}"
        began = time.perf_counter()
        conn.execute(
            "SELECT json_extract(segments, '$.regio') AS g, count(*),"
            " sum(json_extract(answers, ?)) FROM responses WHERE survey_id = ? GROUP BY g",
            (path, survey_id),
        ).fetchall()
        times.append(time.perf_counter() - began)
    return times


def timed_get(client, url: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return out


def fold_cost(data_dir: Path, survey_id: int, count: int) -> dict:
    """What the counters cost now that the fold keeps them: a submission's own time (no
    counter in it), and the fold's time per response, catching up ``count`` new ones."""
    from appliance import db
    from appliance.keys import load as load_keys
    from appliance.reports import fold_service
    from appliance.responses import store as responses_store

    conn = db.connect(db.db_path(data_dir))
    keys = load_keys(data_dir)
    rng = random.Random(7)
    began = time.perf_counter()
    for _ in range(count):
        with db.transaction(conn):
            responses_store.store_response(
                conn,
                keys.hasher(),
                keys.cipher(),
                survey_id=survey_id,
                mode="link",
                language="nl",
                answers=_answers(rng),
                form_key=secrets.token_hex(8),
                today=date.today(),
                segments={"regio": rng.choice(SEGMENT_VALUES)},
            )
    store_ms = (time.perf_counter() - began) * 1000 / count
    began = time.perf_counter()
    folded = fold_service.fold_pending(conn, fold_service.Batching())
    fold_ms = (time.perf_counter() - began) * 1000 / count
    conn.close()
    return {
        "store_ms_per_response": round(store_ms, 3),
        "fold_ms_per_response": round(fold_ms, 3),
        "fold_longest_hold_ms": round(folded.longest_hold_s * 1000, 1),
    }


class LockProbe:
    """A writer that takes the write lock every few milliseconds for a tiny write, on its own
    connection, and records how long each turn waited: the longest wait is the longest time
    anyone else held the lock meanwhile."""

    def __init__(self, data_dir: Path):
        from appliance import db

        self.db, self.path = db, db.db_path(data_dir)
        self.waits: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        conn = self.db.connect(self.path)
        try:
            while not self.stop.is_set():
                began = time.perf_counter()
                with self.db.transaction(conn, 60):
                    waited = time.perf_counter() - began
                    conn.execute("UPDATE wal_pad SET n = 1 - n")
                self.waits.append(waited * 1000)
                time.sleep(0.005)
        finally:
            conn.close()

    def __enter__(self) -> LockProbe:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def submitting(app, survey_id: int, stop: threading.Event, clients: int = 8):
    """Respondents submitting through the app's group commit (the write path of the respondent
    pages, without HTTP) until ``stop``; returns (latencies in ms, errors) lists filled as
    they go."""
    from appliance.responses import service as responses_service
    from appliance.responses.flow import Channel
    from appliance.surveys.definition import Definition

    state = app.extensions["appliance"]
    definition = Definition.parse(DEFINITION)
    latencies: list[float] = []
    errors: list[str] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            began = time.perf_counter()
            try:
                responses_service.submit_answers(
                    state.writer,
                    state.keys,
                    state.medians,
                    survey_id,
                    definition,
                    Channel(mode="link", segments={"regio": rng.choice(SEGMENT_VALUES)}),
                    language="nl",
                    answers=_answers(rng),
                    form_key=secrets.token_hex(16),
                    started=None,
                    today=date.today(),
                    speeder_floor=0.0,
                    k=5,
                    explanation=lambda _lang: "",
                )
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                errors.append(type(exc).__name__)
            latencies.append((time.perf_counter() - began) * 1000)
            time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    return latencies, errors, threads


def _p99(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="finish within two minutes")
    parser.add_argument(
        "--responses", type=int, default=None, help="default 1,000,000; 200,000 with --quick"
    )
    args = parser.parse_args()
    n = args.responses or (200_000 if args.quick else 1_000_000)
    repeat = 5 if args.quick else 15

    from appliance import create_app, db
    from appliance.auth import service as auth_service
    from appliance.auth import store as auth_store
    from appliance.reports import fold_service

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        began = time.perf_counter()
        conn, survey_id = setup(data_dir, n)
        generate_s = time.perf_counter() - began
        print(f"generated {n} responses in {generate_s:.1f} s", file=sys.stderr)
        app = create_app(
            {"data_dir": str(data_dir), "secure_cookies": False, "default_language": "nl"}
        )
        # A full recount while respondents submit and a probe takes turns at the write lock.
        stop = threading.Event()
        with LockProbe(data_dir) as probe:
            latencies, errors, clients = submitting(app, survey_id, stop)
            time.sleep(0.5)
            before = len(latencies)
            began = time.perf_counter()
            fold_service.recount(conn, survey_id)
            recount_s = time.perf_counter() - began
            during_recount = latencies[before:]
            stop.set()
            for t in clients:
                t.join()
        recount_waits = probe.waits
        fold_service.fold_pending(conn)
        counter_rows = conn.execute("SELECT count(*) FROM report_counts").fetchone()[0]
        counted = conn.execute(
            "SELECT n FROM report_counts WHERE survey_id = ? AND question = '' AND dim1 = ''",
            (survey_id,),
        ).fetchone()[0]
        stored = conn.execute(
            "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
        ).fetchone()[0]
        print(
            f"recount {recount_s:.1f} s, {counter_rows} counter rows, {len(during_recount)}"
            f" submissions meanwhile, {len(errors)} errors",
            file=sys.stderr,
        )
        passes = floor(conn, survey_id)
        print(f"floor {sum(passes):.1f} s", file=sys.stderr)

        user_id = auth_service.create(
            conn,
            auth_service.CLI,
            username="meter",
            role="staff",
            password=secrets.token_urlsafe(24),
            display_name="Meter",
        )
        client = app.test_client()
        sid = auth_store.create_session(conn, user_id, "full", time.time())
        with client.session_transaction() as session:
            session["_user_id"] = sid
            session["_fresh"] = True
        dashboard = f"/reports/{survey_id}?breakdown=regio"
        adhoc = f"/reports/{survey_id}?filter=regio%3D{SEGMENT_VALUES[3]}&breakdown=mode"
        timed_get(client, dashboard, 2)  # warm caches and templates
        dash = timed_get(client, dashboard, repeat)
        filtered = timed_get(client, adhoc, repeat)

        # Heavy computation in another thread (the ten GROUP BY passes over every response, on
        # their own connection) while the dashboard is asked for.
        during: list[float] = []
        done = threading.Event()

        def heavy() -> None:
            other = db.connect(db.db_path(data_dir))
            floor(other, survey_id)
            other.close()
            done.set()

        worker = threading.Thread(target=heavy)
        worker.start()
        while not done.is_set():
            during.extend(timed_get(client, dashboard, 1))
        worker.join()

        upkeep = fold_cost(data_dir, survey_id, 300 if args.quick else 2000)
        conn.close()

    one_pass = statistics.median(passes)
    figures = {
        "responses": n,
        "questions": len(QUESTIONS),
        "segment_values": len(SEGMENT_VALUES),
        "generate_s": round(generate_s, 1),
        "floor_s": round(sum(passes), 2),
        "groupby_pass_s": round(one_pass, 3),
        "recount_s": round(recount_s, 2),
        "max_lock_hold_ms": round(max(recount_waits), 1) if recount_waits else None,
        "submissions_during_recount": len(during_recount),
        "submission_p99_during_recount_ms": _p99(during_recount),
        "submission_errors": len(errors),
        "counted_equals_stored": counted == stored,
        "counter_rows": counter_rows,
        "dashboard_ms": round(statistics.median(dash), 1),
        "dashboard_max_ms": round(max(dash), 1),
        "adhoc_ms": round(statistics.median(filtered), 1),
        "adhoc_ratio": round(statistics.median(filtered) / 1000 / one_pass, 4),
        "dashboard_during_heavy_ms": round(statistics.median(during), 1) if during else None,
        "dashboard_during_heavy_max_ms": round(max(during), 1) if during else None,
        **upkeep,
        "targets": {
            "dashboard_ms": "<= 100",
            "adhoc_ratio": "<= 1",
            "max_lock_hold_ms": "<= 250",
            "submission_p99_during_recount_ms": "<= 200",
            "submission_errors": 0,
        },
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
