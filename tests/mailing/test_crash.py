"""Kill the sender (SIGKILL, no chance to tidy up) in the middle of a campaign, twice, and start
it again: every contact gets exactly one invitation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from appliance.mailing import store

CONTACTS = 150


def _sender(world) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env.update(
        APPLIANCE_MAIL_TRANSPORT="smtp",
        APPLIANCE_SMTP_HOST=world.smtp.host,
        APPLIANCE_SMTP_PORT=str(world.smtp.port),
        APPLIANCE_SMTP_SECURITY="none",
        APPLIANCE_MAIL_FROM="enquete@voorbeeld.nl",
        APPLIANCE_BASE_URL="https://enquete.example.nl",
        # Slow enough that the kill lands while messages are on their way.
        APPLIANCE_MAIL_PER_MINUTE="3000",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "appliance", "--data-dir", str(world.data_dir), "mail", "send"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _kill_after(world, process: subprocess.Popen, received: int) -> None:
    deadline = time.monotonic() + 60
    while len(world.smtp.handler.messages) < received:
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "the sender did not get going"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()


def test_a_killed_sender_restarted_sends_each_invitation_exactly_once(world, conn):
    rows = "".join(f"klant{n}@example.nl;Klant{n}\n" for n in range(CONTACTS))
    world.imports.run(f"E-mailadres;Achternaam\n{rows}".encode(), list_name="Groot")
    campaign_id = world.campaign(list_name="Groot", reminders=0)

    _kill_after(world, _sender(world), 30)
    _kill_after(world, _sender(world), 80)
    assert len(world.smtp.handler.messages) < CONTACTS  # the kills did interrupt the campaign
    finish = _sender(world)
    output, _ = finish.communicate(timeout=120)
    assert finish.returncode == 0, output
    assert "recovered after a crash" in output

    per_address = Counter(r for m in world.smtp.handler.messages for r in m.recipients)
    assert len(per_address) == CONTACTS
    assert set(per_address.values()) == {1}, [a for a, n in per_address.items() if n > 1]
    assert store.get_campaign(conn, campaign_id)["status"] == "done"
    assert (
        conn.execute(
            "SELECT count(*) FROM outbox WHERE campaign_id = ? AND state = 'sent'", (campaign_id,)
        ).fetchone()[0]
        == CONTACTS
    )
