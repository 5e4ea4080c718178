"""Handing out a call seeks in the index whatever the point drawn: the work it does does not
grow with the number of calls due, on either side of the point."""

from __future__ import annotations

from appliance.interviews import calls_store
from tests.interviews.calls_world import CallWorld, callable_contacts, local

COUNT = 600
KEEP = 12


def _steps(conn, campaign: int, user: int, pick: float) -> int:
    """SQLite virtual-machine steps (in tens) one claim takes, the claim rolled back."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    conn.execute("SAVEPOINT probe")
    conn.set_progress_handler(count, 10)
    try:
        taken = calls_store.claim(
            conn,
            campaign,
            user,
            now=local(10),
            until=local(10, 30),
            part=1,
            grace_seconds=900,
            max_attempts=6,
            pick=pick,
        )
    finally:
        conn.set_progress_handler(None, 0)
        conn.execute("ROLLBACK TO probe")
        conn.execute("RELEASE probe")
    assert taken is not None
    return steps[0]


def test_a_claim_costs_the_same_for_a_long_list_as_for_a_short_one(conn, data_dir, tmp_path, cast):
    world = CallWorld(conn, data_dir, tmp_path, cast, contacts=callable_contacts(COUNT))
    campaign = world.campaign()
    user = cast["interviewer"].id
    picks = (0.0, 0.2, 0.4, 0.499, 0.5, 0.6, 0.8, 0.999)
    long = [_steps(conn, campaign, user, pick) for pick in picks]
    conn.execute(
        "UPDATE calls SET status = 'closed' WHERE campaign_id = ? AND id NOT IN"
        " (SELECT id FROM calls WHERE campaign_id = ? ORDER BY id LIMIT ?)",
        (campaign, campaign, KEEP),
    )
    short = [_steps(conn, campaign, user, pick) for pick in picks]
    # Fifty times the calls: a walk along the due calls would cost some fifty times more.
    assert all(a <= 2 * b + 20 for a, b in zip(long, short, strict=True)), (long, short)
