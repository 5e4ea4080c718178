"""The public page of a published survey with many reviews, against a bare floor.

Setup: a survey with ``--reviews`` published reviews (100,000; 20,000 with ``--quick``), their
responses spread over a year, written straight into the response plane as released, then
published (the first snapshot), then ten more released (the snapshot ``serve`` cuts after a
release). Figures: how long each took and its longest write transaction. Then, in one process
on the real app: the page (first page, a deep page, filtered by score), the widget and the
JSON feed, each
timed per request in the server (WSGI call to the last byte), against a bare Flask app that
returns a constant in the same process.

Targets: page p50 <= 30 ms, widget <= 5 ms server time (p50); cutting the snapshot (the first
one at publishing, and the one after a release) never holds the write lock for more than
250 ms at a time. Prints one JSON object as its last line.

    .venv/bin/python benchmarks/public_page.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SLUG = "onze-klanten"
# The published survey of the publication tests: a grade as the overall score, a rating, a
# review title and text, a typed name and the consent, with the notice on its first page.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.publication.published import DEFINITION  # noqa: E402

WORDS = [
    "snel",
    "vriendelijk",
    "goed",
    "geholpen",
    "prima",
    "service",
    "wachttijd",
    "duidelijk",
    "netjes",
    "afgehandeld",
]


def prepare(data_dir: Path, reviews: int) -> tuple[int, dict, dict]:
    """A published survey with ``reviews`` consented responses; returns (survey id, seconds
    the release with its snapshot held the write lock)."""
    subprocess.run(
        [sys.executable, "-m", "appliance", "--data-dir", str(data_dir), "init", "--no-setup-code"],
        check=True,
        capture_output=True,
    )
    from appliance import db, keys
    from appliance.auth.service import CLI
    from appliance.publication import service as publication
    from appliance.reports import release_service
    from appliance.surveys import service as surveys

    conn = db.connect(db.db_path(data_dir))
    survey_id = surveys.create_from_template(conn, CLI, "nps")
    surveys.update_definition(conn, CLI, survey_id, DEFINITION)
    surveys.change_status(conn, CLI, survey_id, "open")
    rng = random.Random(7)
    start = date(2025, 12, 1)
    rows = []
    for _ in range(reviews):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
        answers = {
            "cijfer": str(rng.choice([6, 7, 7, 8, 8, 8, 9, 9, 10])),
            "snel": str(rng.randint(2, 5)),
            "kop": words[:40],
            "tekst": words,
            "mag": "yes",
        }
        day = start + timedelta(days=rng.randrange(365))
        rows.append(
            (
                secrets.token_hex(16),
                survey_id,
                day.isoformat(),
                json.dumps(answers, sort_keys=True),
            )
        )
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO responses (id, survey_id, mode, submitted_on, language, answers,"
            " folded, released, publication_notice)"
            " VALUES (?, ?, 'invitation', ?, 'nl', ?, 1, 1, 1)",
            rows,
        )
        # As if released already: the first release of a live survey marks a few at a time.
        conn.execute(
            "INSERT INTO report_releases (survey_id, released_at, changes, generation)"
            " VALUES (?, '2026-12-01T00:00:00Z', 0, 1)"
            " ON CONFLICT (survey_id) DO UPDATE SET released_at = excluded.released_at,"
            " generation = 1",
            (survey_id,),
        )
    cipher = keys.load(data_dir).cipher()
    choices = publication.Choices(
        show_averages=True,
        show_reviews=True,
        score_question="cijfer",
        rating_questions=["snel"],
        text_question="tekst",
        title_question="kop",
        name_question=None,
        from_date=None,
        modes=[],
    )
    held: list[float] = []
    timed_transaction = _timed(db.transaction, held)
    publication.transaction = timed_transaction
    publication.save(conn, CLI, survey_id, SLUG, choices, cipher)
    began = time.perf_counter()
    publication.publish(conn, CLI, survey_id, cipher)
    first = {"s": time.perf_counter() - began, "longest_ms": max(held) * 1000}
    # The snapshot ``serve`` cuts after each release: ten new responses released.
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO responses (id, survey_id, mode, submitted_on, language, answers,"
            " folded, publication_notice) VALUES (?, ?, 'invitation', ?, 'nl', ?, 1, 1)",
            [(secrets.token_hex(16), *row[1:]) for row in rows[:10]],
        )
        conn.execute("UPDATE report_releases SET changes = 10 WHERE survey_id = ?", (survey_id,))
    assert release_service.cut_due(conn, 5) == [survey_id]
    held.clear()
    began = time.perf_counter()
    assert publication.refresh_due(conn, cipher) == [survey_id]
    later = {"s": time.perf_counter() - began, "longest_ms": max(held) * 1000}
    conn.close()
    return survey_id, first, later


def _timed(transaction, held: list[float]):
    """``transaction`` that notes how long each one held the write lock."""
    from contextlib import contextmanager

    @contextmanager
    def timed(conn, *args, **kw):
        with transaction(conn, *args, **kw):
            began = time.perf_counter()
            try:
                yield conn
            finally:
                held.append(time.perf_counter() - began)

    return timed


def timings(call, count: int) -> list[float]:
    out = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reviews", type=int, default=None)
    args = parser.parse_args()
    reviews = args.reviews or (20_000 if args.quick else 100_000)
    count = 100 if args.quick else 300
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        survey_id, first_snapshot, later_snapshot = prepare(data_dir, reviews)
        for name in list(os.environ):
            if name.startswith("APPLIANCE_"):
                del os.environ[name]
        from flask import Flask

        from appliance import create_app

        app = create_app({"data_dir": str(data_dir)})
        client = app.test_client()
        bare = Flask("floor")
        bare.add_url_rule("/", "floor", lambda: "ok")
        floor_client = bare.test_client()

        def get(url: str):
            def call():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                response.get_data()

            return call

        pages = {
            "page": get(f"/public/{SLUG}"),
            "page_deep": get(f"/public/{SLUG}?page={reviews // 20}"),
            "page_score": get(f"/public/{SLUG}?score=7&page=3"),
            "widget": get(f"/public/{SLUG}/widget"),
            "feed": get(f"/public/{SLUG}/feed.json"),
        }
        for call in pages.values():
            call()  # warm
        floor = statistics.median(timings(lambda: floor_client.get("/").get_data(), count))
        result = {"reviews": reviews, "floor_p50_ms": round(floor, 3)}
        for name, call in pages.items():
            times = timings(call, count)
            result[f"{name}_p50_ms"] = round(statistics.median(times), 2)
            result[f"{name}_p90_ms"] = round(sorted(times)[int(0.9 * len(times))], 2)
            result[f"{name}_ratio_to_floor"] = round(statistics.median(times) / floor, 1)
        result["first_snapshot_s"] = round(first_snapshot["s"], 2)
        result["first_snapshot_longest_txn_ms"] = round(first_snapshot["longest_ms"], 1)
        result["release_snapshot_s"] = round(later_snapshot["s"], 2)
        result["release_snapshot_longest_txn_ms"] = round(later_snapshot["longest_ms"], 1)
        app.extensions["appliance"].writer.close()
    result["targets_met"] = (
        result["page_p50_ms"] <= 30
        and result["widget_p50_ms"] <= 5
        and result["first_snapshot_longest_txn_ms"] <= 250
        and result["release_snapshot_longest_txn_ms"] <= 250
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
