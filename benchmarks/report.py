"""Report speed on a 10-question survey with many responses, against a floor measured in the
same run.

Generates its own data: N responses (default 1,000,000) over a year, three modes and a segment
with 20 values, stored as the appliance stores them, and their report counters built by the
appliance's own full recount (``reports.store.rebuild``, timed). Then measures:

- floor: one SQL ``GROUP BY`` per question computing count and sum over the responses, broken
  down by the segment (``floor_s`` all ten, ``groupby_pass_s`` the median single pass);
- ``dashboard_ms``: the whole dashboard page of that survey with the breakdown over the segment,
  rendered by the real app (gate, suppression, statistics, SVG charts), median of several;
- ``adhoc_ms``: a researcher's allowed ad-hoc filter (one segment value, broken down by mode),
  the whole page; ``adhoc_ratio`` = adhoc time / one GROUP BY pass (target <= 1);
- ``dashboard_during_heavy_ms``: the dashboard while the ten GROUP BY passes run in another
  thread (heavy computation must not starve the web threads);
- ``recount_s``: a full recount of the counters (when staff change the reportable segments);
- ``counter_write_ms``: what keeping the counters costs a submission (stored with and without).

Targets: dashboard_ms < 100, adhoc_ratio <= 1. Prints one JSON object as its last line.

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
                " answers) VALUES (?, ?, ?, ?, 'nl', ?, ?)",
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


def counter_cost(data_dir: Path, survey_id: int, count: int) -> float:
    """ms per response that keeping the counters adds to storing it."""
    from appliance import db
    from appliance.keys import load as load_keys
    from appliance.reports import store as report_store
    from appliance.responses import store as responses_store

    conn = db.connect(db.db_path(data_dir))
    keys = load_keys(data_dir)
    rng = random.Random(7)

    def run(with_counters: bool) -> float:
        original = report_store.count_response
        if not with_counters:
            report_store.count_response = lambda *a, **k: None
        try:
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
            return (time.perf_counter() - began) * 1000 / count
        finally:
            report_store.count_response = original

    without, with_ = run(False), run(True)
    conn.close()
    return with_ - without


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
    from appliance.reports import store as report_store

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        began = time.perf_counter()
        conn, survey_id = setup(data_dir, n)
        generate_s = time.perf_counter() - began
        print(f"generated {n} responses in {generate_s:.1f} s", file=sys.stderr)
        began = time.perf_counter()
        with db.transaction(conn):
            report_store.rebuild(conn, survey_id)
        recount_s = time.perf_counter() - began
        counter_rows = conn.execute("SELECT count(*) FROM report_counts").fetchone()[0]
        print(f"recount {recount_s:.1f} s, {counter_rows} counter rows", file=sys.stderr)
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
        app = create_app(
            {"data_dir": str(data_dir), "secure_cookies": False, "default_language": "nl"}
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

        write_ms = counter_cost(data_dir, survey_id, 300 if args.quick else 2000)
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
        "counter_rows": counter_rows,
        "dashboard_ms": round(statistics.median(dash), 1),
        "dashboard_max_ms": round(max(dash), 1),
        "adhoc_ms": round(statistics.median(filtered), 1),
        "adhoc_ratio": round(statistics.median(filtered) / 1000 / one_pass, 4),
        "dashboard_during_heavy_ms": round(statistics.median(during), 1) if during else None,
        "dashboard_during_heavy_max_ms": round(max(during), 1) if during else None,
        "counter_write_ms": round(write_ms, 3),
        "targets": {"dashboard_ms": "< 100", "adhoc_ratio": "<= 1"},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
