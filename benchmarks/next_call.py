"""Handing out the next call of a large telephone campaign to many interviewers at once.

Setup: a fresh data directory, ``--calls`` contacts (100,000) with a sealed Dutch mobile
number each, written straight into one visible import batch, and a telephone campaign built
from them by the real campaign service (its invitations, coarsened segments and calls; the
build is timed). Then ``--interviewers`` (20) threads, each with its own connection to the
file, each asking for its next call and recording a temporary outcome ("no answer": one
attempt row, the retry planned, the audit entry), ``--rounds`` times (250; 50 with
``--quick``). Every ``next_call`` is timed from the call to its return, lock waits included.

Three runs: one interviewer alone (the cost of the statements, with no lock to wait for);
paced, each interviewer spending a random 0 to 2 x ``--pause-ms`` (20 ms) on the
call between taking it and recording it (real calls take minutes: this is still a hundred
times the pace of a real call centre), and saturated, no pause at all: twenty threads queueing
for the one write lock, where the lock's queue, not the statement, sets the tail.

Floor, in the same run, on the same file, with the same threads and the same pacing: a bare
write transaction holding one single-row ``UPDATE ... RETURNING`` of ``calls`` (what a claim is
at the least).

Target: next_call p99 <= 20 ms (paced). ``--quick`` runs in well under 2 minutes. Prints one
JSON object as its last line.

    .venv/bin/python benchmarks/next_call.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TZ = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 12, 2, 9, tzinfo=TZ).timestamp()
NOW = datetime(2026, 12, 2, 10, tzinfo=TZ).timestamp()


def prepare(data_dir: Path, calls: int, interviewers: int) -> tuple[int, list[int], float]:
    """A telephone campaign of ``calls`` contacts and ``interviewers`` assigned interviewers;
    returns (campaign id, interviewer ids, seconds the build took)."""
    subprocess.run(
        [sys.executable, "-m", "appliance", "--data-dir", str(data_dir), "init", "--no-setup-code"],
        check=True,
        capture_output=True,
    )
    from appliance import db
    from appliance.auth import store as auth_store
    from appliance.auth.service import CLI
    from appliance.contacts import store as contacts_store
    from appliance.db import transaction
    from appliance.interviews.phone_campaign import PhoneRules
    from appliance.keys import load as load_keys
    from appliance.mailing import service as mailing_service
    from appliance.mailing import store as mail_store
    from appliance.planes import contact_row_sealer
    from appliance.surveys import service as surveys

    keys = load_keys(data_dir)
    conn = db.connect(db.db_path(data_dir))
    survey_id = surveys.create_from_template(conn, CLI, "nps")
    surveys.change_status(conn, CLI, survey_id, "open")
    seal = contact_row_sealer(keys.cipher(), ("phone",))
    with transaction(conn):
        list_id = contacts_store.create_list(conn, "Bellijst", None)
        import_id = contacts_store.start_import(conn, list_id, "consent", "", None, [])
        conn.executemany(
            "INSERT INTO contacts (id, list_id, import_id, phone, segments)"
            " VALUES (?, ?, ?, ?, '{}')",
            (
                (i, list_id, import_id, seal(i, [f"+316{10_000_000 + i}"])[0])
                for i in range(1, calls + 1)
            ),
        )
        contacts_store.finish_import(conn, import_id)
        users = []
        for n in range(interviewers):
            user_id = auth_store.create_user(
                conn,
                username=f"int{n}",
                role="interviewer",
                password_hash="-",  # noqa: S106
            )
            conn.execute(
                "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
                (user_id, survey_id),
            )
            users.append(user_id)
    template_id = mail_store.list_templates(conn)[0]["id"]
    plan = mailing_service.Plan(
        name="Bellen",
        survey_id=survey_id,
        list_id=list_id,
        template_id=template_id,
        reminder_template_id=None,
        send_at=START,
        reminders=0,
        reminder_days=7,
        segment_filter={},
        channel="phone",
        phone=PhoneRules(),
        min_group_size=5,
    )
    began = time.perf_counter()
    campaign_id, selection = mailing_service.create(conn, CLI, plan, keys)
    took = time.perf_counter() - began
    assert len(selection.contact_ids) == calls, selection.skipped
    conn.execute("ANALYZE")
    conn.close()
    return campaign_id, users, took


def _threads(users: list[int], work) -> list[float]:
    """Run ``work(user_id, timings)`` in one thread per user, started together; returns every
    timing (ms) they appended."""
    timings: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def run(user_id: int) -> None:
        mine: list[float] = []
        try:
            barrier.wait()
            work(user_id, mine)
        except BaseException as exc:  # noqa: BLE001 - raised again below
            errors.append(exc)
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return timings


def _pause(rng: random.Random, pause_ms: float) -> None:
    if pause_ms:
        time.sleep(rng.uniform(0, 2 * pause_ms) / 1000)


def calling(
    data_dir: Path, campaign_id: int, users: list[int], rounds: int, pause_ms: float, offset: float
) -> dict:
    from appliance import db
    from appliance.interviews import calls_service
    from appliance.keys import load as load_keys

    handed: list[int] = []
    lock = threading.Lock()

    def work(user_id: int, timings: list[float]) -> None:
        conn = db.connect(db.db_path(data_dir))
        keys = load_keys(data_dir)
        rng = random.Random(user_id)
        try:
            for n in range(rounds):
                at = NOW + offset + n
                began = time.perf_counter()
                call_id = calls_service.next_call(conn, keys, user_id, campaign_id, at, tz=TZ)
                timings.append((time.perf_counter() - began) * 1000)
                assert call_id is not None
                with lock:
                    handed.append(call_id)
                _pause(rng, pause_ms)
                calls_service.record(conn, keys, user_id, call_id, "no_answer", now=at, tz=TZ)
        finally:
            conn.close()

    began = time.perf_counter()
    timings = _threads(users, work)
    took = time.perf_counter() - began
    assert len(set(handed)) == len(handed), "a call was handed out twice"
    return {"timings": timings, "seconds": took, "handed": len(handed)}


def floor(data_dir: Path, users: list[int], rounds: int, pause_ms: float) -> list[float]:
    """A bare one-row UPDATE ... RETURNING of ``calls`` in its own write transaction, by the
    same number of threads, as often."""
    from appliance import db
    from appliance.db import transaction

    def work(user_id: int, timings: list[float]) -> None:
        conn = db.connect(db.db_path(data_dir))
        rng = random.Random(user_id)
        try:
            for n in range(rounds):
                _pause(rng, pause_ms)
                began = time.perf_counter()
                with transaction(conn):
                    conn.execute(
                        "UPDATE calls SET held_until = held_until WHERE id = ? RETURNING id",
                        (user_id * rounds + n + 1,),
                    ).fetchone()
                timings.append((time.perf_counter() - began) * 1000)
        finally:
            conn.close()

    return _threads(users, work)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _figures(timings: list[float], bare: list[float]) -> dict:
    p99, floor_p99 = percentile(timings, 99), percentile(bare, 99)
    return {
        "next_call_p50_ms": round(percentile(timings, 50), 2),
        "next_call_p99_ms": round(p99, 2),
        "next_call_mean_ms": round(statistics.fmean(timings), 2),
        "floor_p50_ms": round(percentile(bare, 50), 2),
        "floor_p99_ms": round(floor_p99, 2),
        "ratio_p99_to_floor": round(p99 / floor_p99, 2) if floor_p99 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--interviewers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--pause-ms", type=float, default=20.0)
    args = parser.parse_args()
    rounds = args.rounds or (50 if args.quick else 250)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        campaign_id, users, build_s = prepare(data_dir, args.calls, args.interviewers)
        # One interviewer alone: the statement's own cost, no lock to wait for.
        solo = calling(data_dir, campaign_id, users[:1], rounds * 4, 0, -30)
        paced = calling(data_dir, campaign_id, users, rounds, args.pause_ms, 0)
        paced_floor = floor(data_dir, users, rounds, args.pause_ms)
        # A minute later, so the first run's retries (two hours on) stay out of the way.
        saturated = calling(data_dir, campaign_id, users, rounds, 0, 60)
        saturated_floor = floor(data_dir, users, rounds, 0)
    result = {
        "calls": args.calls,
        "interviewers": args.interviewers,
        "next_calls": solo["handed"] + paced["handed"] + saturated["handed"],
        "build_seconds": round(build_s, 2),
        "pause_ms": args.pause_ms,
        "solo_p50_ms": round(percentile(solo["timings"], 50), 2),
        "solo_p99_ms": round(percentile(solo["timings"], 99), 2),
        **_figures(paced["timings"], paced_floor),
        "saturated": {
            **_figures(saturated["timings"], saturated_floor),
            "calls_handed_per_second": round(saturated["handed"] / saturated["seconds"], 1),
        },
        "target_p99_ms": 20,
    }
    result["target_met"] = result["next_call_p99_ms"] <= 20
    print(
        f"next_call over {args.calls:,} calls, {args.interviewers} interviewers:"
        f" alone p99 {result['solo_p99_ms']} ms;"
        f" paced p50 {result['next_call_p50_ms']} ms, p99 {result['next_call_p99_ms']} ms"
        f" (floor p99 {result['floor_p99_ms']} ms); saturated p99"
        f" {result['saturated']['next_call_p99_ms']} ms"
        f" (floor p99 {result['saturated']['floor_p99_ms']} ms); build {build_s:.1f} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
