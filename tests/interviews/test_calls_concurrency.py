"""Twenty interviewers asking for their next call at once, each thread with its own connection
to the real database file: no contact is ever handed to two of them."""

from __future__ import annotations

import threading
from collections import Counter

from appliance import db
from appliance.interviews import calls_service
from appliance.keys import load as load_keys
from tests.interviews.calls_world import TZ, CallWorld, local

INTERVIEWERS = 20
ROUNDS = 10  # 200 requests in all


def _contacts(n: int) -> str:
    lines = ["E-mailadres;Voornaam;Achternaam;Telefoon"]
    lines += [f"p{i}@example.nl;P{i};Jansen;06{20000000 + i}" for i in range(n)]
    return "\n".join(lines) + "\n"


def test_200_parallel_requests_from_20_interviewers_never_share_a_contact(
    conn, data_dir, tmp_path, cast
):
    world = CallWorld(conn, data_dir, tmp_path, cast, _contacts(INTERVIEWERS * ROUNDS + 20))
    users = [world.interviewer(f"int{i}") for i in range(INTERVIEWERS)]
    campaign_id = world.campaign()
    path = db.db_path(data_dir)
    handed: list[tuple[int, int]] = []  # (user, call)
    held_twice: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(INTERVIEWERS)

    def work(user_id: int) -> None:
        own = db.connect(path)
        keys = load_keys(data_dir)
        try:
            start.wait()
            for n in range(ROUNDS):
                at = local(10, n)
                call_id = calls_service.next_call(own, keys, user_id, campaign_id, at, tz=TZ)
                if call_id is None:
                    continue
                holder = own.execute(
                    "SELECT held_by FROM calls WHERE id = ?", (call_id,)
                ).fetchone()[0]
                with lock:
                    handed.append((user_id, call_id))
                    if holder != user_id:
                        held_twice.append(call_id)
                calls_service.record(own, keys, user_id, call_id, "no_answer", now=at, tz=TZ)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(handed) == INTERVIEWERS * ROUNDS
    calls = Counter(call_id for _user, call_id in handed)
    assert max(calls.values()) == 1, "a call was handed out twice"
    contacts = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT id, contact_id FROM calls WHERE campaign_id = ?", (campaign_id,)
        )
    }
    assert len({contacts[c] for c in calls}) == len(calls)
    assert not held_twice
    attempts = conn.execute("SELECT count(*) FROM call_attempts").fetchone()[0]
    assert attempts == INTERVIEWERS * ROUNDS
