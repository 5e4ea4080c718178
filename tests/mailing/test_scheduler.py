"""The scheduler `serve` starts: its first round runs at once and sends what is due; stopping
waits for the round to record its results."""

from __future__ import annotations

import time

from appliance.keys import load as load_keys
from appliance.mailing import store
from appliance.scheduler import Jobs


def test_the_scheduler_sends_a_due_campaign_and_stops_cleanly(world, conn):
    campaign_id = world.campaign(reminders=0)
    jobs = Jobs(world.settings(), load_keys(world.data_dir))
    jobs.start()
    try:
        deadline = time.monotonic() + 20
        while len(world.smtp.handler.messages) < 5:
            assert time.monotonic() < deadline, "nothing was sent"
            time.sleep(0.05)
    finally:
        jobs.stop()
    assert store.get_campaign(conn, campaign_id)["status"] == "done"
    assert not jobs.scheduler.running
