"""The fold keeps the counters: whatever happens in between, once it has run they equal a count
of the responses from scratch; it never makes a submission wait; a recount lets writers in."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from appliance import db
from appliance.db import transaction
from appliance.reports import fold_service, recount_store
from appliance.reports import store as report_store
from appliance.reports.counters import keys_for
from appliance.responses import store as responses_store
from appliance.surveys.store import parse_definition
from tests.reports import study

ROOT = Path(__file__).resolve().parents[2]
# A fold that goes on forever in small batches, killed from outside at a random moment.
FOLDER = """
import sys
from appliance import db
from appliance.reports import fold_service
conn = db.connect(sys.argv[1])
batching = fold_service.Batching(size=3, adapt=False)
print("ready", flush=True)
while True:
    fold_service.fold_pending(conn, batching)
"""


def from_scratch(conn, survey_id: int) -> Counter:
    """The counters as the responses say they should be, computed in Python from the rows
    (``counters.keys_for``), not by the SQL under test."""
    definition, segments = conn.execute(
        "SELECT definition, report_segments FROM surveys WHERE id = ?", (survey_id,)
    ).fetchone()
    definition, segments = parse_definition(definition), json.loads(segments)
    out: Counter = Counter()
    excluded = 0
    for r in conn.execute("SELECT * FROM responses WHERE survey_id = ?", (survey_id,)):
        if r["excluded_on"] is not None:
            excluded += 1
            continue
        out.update(
            keys_for(
                definition,
                mode=r["mode"],
                day=r["submitted_on"],
                segments=json.loads(r["segments"]),
                answers=json.loads(r["answers"]),
                reportable=segments,
            )
        )
    if excluded:
        out[("#excluded", "", "", "", "", "")] = excluded
    return out


def _respond(conn, data_dir, survey_id, rng) -> str:
    return study.respond(
        conn,
        data_dir,
        survey_id,
        rng,
        region=rng.choice([*study.REGIONS, None]),
        kind=rng.choice([*study.TYPES, None]),
        mode=rng.choice(study.MODES),
        day=study.START + timedelta(days=rng.randint(0, 40)),
        remark=rng.choice([None, "Prima"]),
        fold=False,
    )


def _set_excluded(conn, response_id: str, reason: str | None) -> None:
    with transaction(conn):
        responses_store.set_excluded(conn, response_id, reason, "2026-11-22")


def _crash_a_fold(data_dir: Path, rng: random.Random) -> None:
    """Start a fold in another process and kill it (-9) at a random moment of its work."""
    folder = subprocess.Popen(
        [sys.executable, "-c", FOLDER, str(db.db_path(data_dir))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert folder.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
    finally:
        folder.send_signal(signal.SIGKILL)
        folder.wait()
        folder.stdout.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_interleaving_the_folded_counters_equal_a_count_from_scratch(
    conn, data_dir, seed
):
    rng = random.Random(seed)
    survey_id = study.create(conn)
    study.offer(conn, survey_id, {"regio": list(study.REGIONS), "klanttype": list(study.TYPES)})
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, ["regio"])
    small = fold_service.Batching(size=4, adapt=False)
    crashes = 0
    for _step in range(40):
        roll = rng.random()
        ids = [r[0] for r in conn.execute("SELECT id FROM responses")]
        excluded = [
            r[0] for r in conn.execute("SELECT id FROM responses WHERE excluded_on IS NOT NULL")
        ]
        if roll < 0.45 or not ids:
            for _ in range(rng.randint(1, 6)):
                _respond(conn, data_dir, survey_id, rng)
        elif roll < 0.6:
            _set_excluded(conn, rng.choice(ids), rng.choice(["speeder", "duplicate"]))
        elif roll < 0.7 and excluded:
            _set_excluded(conn, rng.choice(excluded), None)
        elif roll < 0.8:
            fold_service.fold_pending(conn, small)
            assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)
        elif roll < 0.9:
            _crash_a_fold(data_dir, rng)
            crashes += 1
        else:
            chosen = rng.sample(["regio", "klanttype"], rng.randint(0, 2))
            fold_service.recount(conn, survey_id, chosen, per_range=5)
    if not crashes:
        _crash_a_fold(data_dir, rng)
    fold_service.fold_pending(conn)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)
    # Everything is marked as counted the way it should be.
    assert not conn.execute(
        "SELECT count(*) FROM responses WHERE folded != 1 + (excluded_on IS NOT NULL)"
    ).fetchone()[0]


def test_a_submission_never_waits_for_the_fold(conn, data_dir):
    survey_id = study.create(conn)
    rng = random.Random(4)
    for _ in range(60):
        _respond(conn, data_dir, survey_id, rng)
    held, go_on = threading.Event(), threading.Event()

    def between() -> None:
        held.set()
        go_on.wait(30)

    folder = db.connect(db.db_path(data_dir))
    fold = threading.Thread(
        target=fold_service.fold_pending, args=(folder,), kwargs={"between": between}
    )
    fold.start()
    try:
        assert held.wait(10), "the fold never reached its batch"
        began = time.perf_counter()
        late = _respond(conn, data_dir, survey_id, rng)
        waited = time.perf_counter() - began
    finally:
        go_on.set()
        fold.join(30)
        folder.close()
    assert waited < 1.0, f"the submission waited {waited:.2f} s for the fold"
    # The held batch was written; the late response waits for the next round.
    assert conn.execute("SELECT folded FROM responses WHERE id = ?", (late,)).fetchone()[0] == 0
    assert report_store.counts_of(conn, survey_id)[("", "", "", "", "", "")] == 60
    fold_service.fold_pending(conn)
    assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)


def test_a_recount_lets_other_writers_in_and_holds_the_fold_back(conn, data_dir):
    survey_id = study.create(conn)
    study.offer(conn, survey_id, {"regio": list(study.REGIONS)})
    rng = random.Random(6)
    for _ in range(400):
        _respond(conn, data_dir, survey_id, rng)
    fold_service.fold_pending(conn)
    writes: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        other = db.connect(db.db_path(data_dir))
        try:
            while not stop.is_set():
                with transaction(other):
                    other.execute("UPDATE wal_pad SET n = 1 - n")
                writes.append(time.perf_counter())
                time.sleep(0.002)
        finally:
            other.close()

    recounter = db.connect(db.db_path(data_dir))
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.05)
        began = time.perf_counter()
        segments = fold_service.recount(recounter, survey_id, ["regio"], per_range=10)
        ended = time.perf_counter()
    finally:
        stop.set()
        thread.join()
        recounter.close()
    assert segments == ["regio"]
    during = [t for t in writes if began < t < ended]
    # The old recount, one transaction, let no writer in until it had finished.
    assert len(during) >= 5, f"{len(during)} writes during a recount of {ended - began:.2f} s"
    assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)


def test_the_fold_leaves_a_survey_alone_while_it_is_recounted(conn, data_dir):
    survey_id = study.create(conn)
    rng = random.Random(7)
    _respond(conn, data_dir, survey_id, rng)
    with transaction(conn):
        recount_store.mark_recount(conn, survey_id, int(time.time()))
    folded = fold_service.fold_pending(conn)
    assert folded.responses == 0 and folded.held_back == [survey_id]
    # A recount that died (its mark no longer renewed) does not hold the survey for ever.
    with transaction(conn):
        conn.execute("UPDATE report_folds SET recounting = recounting - 600")
    assert fold_service.fold_pending(conn).responses == 1
    assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)


def test_a_large_survey_is_recounted_by_the_jobs_and_the_report_says_so(as_role, conn, data_dir):
    survey_id = study.create(conn)
    study.offer(conn, survey_id, {"regio": list(study.REGIONS)})
    rng = random.Random(8)
    for _ in range(12):
        _respond(conn, data_dir, survey_id, rng)
    fold_service.fold_pending(conn)
    # Larger than what is recounted in the request: the jobs take it.
    chosen, done = fold_service.choose_segments(conn, survey_id, ["regio"], inline_up_to=5)
    assert (chosen, done) == (["regio"], False)
    assert (
        json.loads(
            conn.execute(
                "SELECT report_segments FROM surveys WHERE id = ?", (survey_id,)
            ).fetchone()[0]
        )
        == []
    )
    staff = as_role("staff")
    assert "being recounted" in staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert fold_service.recount_queued(conn) == [survey_id]
    assert fold_service.recount_queued(conn) == []
    assert "being recounted" not in staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert report_store.counts_of(conn, survey_id) == from_scratch(conn, survey_id)
    assert any(key[1] == "seg:regio" for key in report_store.counts_of(conn, survey_id))
